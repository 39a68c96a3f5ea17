import { transitionConversation } from "../conversations/state.js";
import { isForbiddenSegment, parseFieldPath } from "../rules/paths.js";
import type { ToolCall } from "../tools/schemas.js";
import type { HttpResult, LlmMessage } from "./effects.js";
import type { ContextOp } from "./params.js";
import { ActionError, MAX_CONTEXT_BYTES, type Frame, type Run } from "./runtime.js";
import type { ActionParamsMap, ActionType } from "./schemas.js";

/** What a handler gets: its rendered params and where it runs. */
export interface HandlerContext<T extends ActionType> {
  params: ActionParamsMap[T];
  run: Run;
  frame: Frame;
  path: string;
  signal: AbortSignal;
  attempt: number;
}

/** Runs one kind of action against the effects; returns its output (saved under `saveAs`). */
export type Handler<T extends ActionType> = (context: HandlerContext<T>) => Promise<unknown>;

function checkStatus(what: string, result: HttpResult): HttpResult {
  if (result.status >= 200 && result.status < 300) return result;
  const retryable = result.status >= 500 || result.status === 429;
  throw new ActionError("http_status", `${what} answered ${result.status}`, retryable, { status: result.status, body: result.body });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function contextSegments(path: string): string[] {
  const parsed = parseFieldPath(path);
  if (!parsed.ok || parsed.segments.some(isForbiddenSegment)) throw new ActionError("invalid_params", `invalid context path "${path}"`, false);
  return parsed.segments;
}

/** The object holding the last segment of `segments`, created on the way when `create`. */
function parentOf(root: Record<string, unknown>, segments: string[], create: boolean): Record<string, unknown> | undefined {
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    const next = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (next === undefined && create) {
      const made: Record<string, unknown> = {};
      current[segment] = made;
      current = made;
      continue;
    }
    if (next === undefined) return undefined;
    if (!isPlainObject(next)) throw new ActionError("invalid_context", `context.${segments.join(".")}: "${segment}" is not an object`, false);
    current = next;
  }
  return current;
}

/**
 * Applies context operations to a copy of `context` (see `ContextOp` for their meaning).
 * Paths address object keys. @throws ActionError on a type mismatch or a context past
 * {@link MAX_CONTEXT_BYTES}.
 */
export function applyContextOps(context: Record<string, unknown>, ops: readonly ContextOp[]): Record<string, unknown> {
  const next = structuredClone(context);
  for (const op of ops) {
    if (op.op === "merge" && op.path === undefined) {
      Object.assign(next, structuredClone(op.value));
      continue;
    }
    const segments = contextSegments(op.path as string);
    const key = segments[segments.length - 1]!;
    const parent = parentOf(next, segments, op.op !== "unset");
    if (!parent) continue;
    const current = Object.hasOwn(parent, key) ? parent[key] : undefined;
    const where = `context.${segments.join(".")}`;
    switch (op.op) {
      case "set":
        parent[key] = structuredClone(op.value);
        break;
      case "unset":
        delete parent[key];
        break;
      case "merge":
        if (current !== undefined && !isPlainObject(current)) throw new ActionError("invalid_context", `${where} is not an object; cannot merge`, false);
        parent[key] = { ...(current ?? {}), ...structuredClone(op.value) };
        break;
      case "increment":
        if (current !== undefined && typeof current !== "number") throw new ActionError("invalid_context", `${where} is not a number; cannot increment`, false);
        parent[key] = (current ?? 0) + op.by;
        break;
      case "append": {
        if (current !== undefined && !Array.isArray(current)) throw new ActionError("invalid_context", `${where} is not an array; cannot append`, false);
        const list = [...((current as unknown[] | undefined) ?? []), structuredClone(op.value)];
        parent[key] = op.maxLength !== undefined ? list.slice(-op.maxLength) : list;
        break;
      }
    }
  }
  const size = Buffer.byteLength(JSON.stringify(next));
  if (size > MAX_CONTEXT_BYTES) throw new ActionError("context_too_large", `the context would be ${size} bytes, more than ${MAX_CONTEXT_BYTES}`, false);
  return next;
}

/** Handlers of every action that touches the world (the nesting ones live in the executor). */
export const EFFECT_HANDLERS: { [T in Exclude<ActionType, "parallel" | "loop" | "condition">]: Handler<T> } = {
  async "llm.invoke"({ params, run, path, signal, attempt }) {
    const messages: LlmMessage[] = [];
    if (params.system !== undefined) messages.push({ role: "system", content: params.system });
    if (params.prompt !== undefined) messages.push({ role: "user", content: params.prompt });
    for (const message of params.messages ?? []) messages.push(message);
    const respond = params.respond
      ? { conversationId: run.conversationId(undefined, "llm.invoke with respond"), ...(typeof run.message?.["id"] === "string" ? { replyToId: run.message["id"] } : {}) }
      : undefined;
    return run.effects.llm.invoke(
      { messages, model: params.model, historyMessages: params.history, ...(respond ? { respond } : {}) },
      run.effectContext(path, signal, attempt),
    );
  },

  async "message.send"({ params, run, path, signal, attempt }) {
    const request = {
      conversationId: run.conversationId(params.conversationId, "message.send"),
      content: params.content,
      contentType: params.contentType,
      ...(params.replyToId !== undefined ? { replyToId: params.replyToId } : {}),
      ...(params.metadata !== undefined ? { metadata: params.metadata } : {}),
    };
    return run.effects.messaging.send(request, run.effectContext(path, signal, attempt));
  },

  async "service.call"({ params, run, path, signal, attempt }) {
    if (!params.path.startsWith("/") || params.path.split(/[/?#]/).some((s) => s === ".." || s === ".")) {
      throw new ActionError("invalid_params", `service.call path "${params.path}" must start with / and have no . or .. segments`, false);
    }
    const result = await run.effects.http.callService(
      {
        service: params.service, method: params.method, path: params.path, timeoutMs: params.timeoutMs,
        ...(params.query !== undefined ? { query: params.query } : {}), ...(params.body !== undefined ? { body: params.body } : {}),
      },
      run.effectContext(path, signal, attempt),
    );
    return checkStatus(`${params.service} ${params.method} ${params.path}`, result);
  },

  async "webhook.call"({ params, run, path, signal, attempt }) {
    let url: URL;
    try {
      url = new URL(params.url);
    } catch {
      throw new ActionError("invalid_params", `webhook url "${params.url}" is not a URL`, false);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ActionError("invalid_params", "webhook url must be http(s)", false);
    const result = await run.effects.http.callWebhook(
      { url: url.toString(), method: params.method, headers: params.headers, timeoutMs: params.timeoutMs, ...(params.body !== undefined ? { body: params.body } : {}) },
      run.effectContext(path, signal, attempt),
    );
    return checkStatus(`webhook ${params.method} ${url.host}`, result);
  },

  async "handoff.create"({ params, run, path, signal, attempt }) {
    const conversationId = run.conversationId(undefined, "handoff.create");
    const from = run.conversationState("handoff.create");
    transitionConversation(from, "handoff_pending");
    const context = run.effectContext(path, signal, attempt);
    const created = await run.effects.handoff.create(
      { conversationId, target: params.target, reason: params.reason, priority: params.priority, ...(params.summary !== undefined ? { summary: params.summary } : {}) },
      context,
    );
    await run.effects.state.transition({ conversationId, from, to: "handoff_pending", reason: params.reason }, context);
    run.conversation = { ...run.conversation, state: "handoff_pending" };
    return created;
  },

  async "context.update"({ params, run, path, signal, attempt }) {
    const context = applyContextOps(run.context, params.ops);
    if (params.persist) {
      const conversationId = run.conversationId(undefined, "context.update (persist)");
      await run.effects.state.updateContext({ conversationId, context, ops: params.ops }, run.effectContext(path, signal, attempt));
    }
    run.context = context;
    return { context };
  },

  async "state.transition"({ params, run, path, signal, attempt }) {
    const conversationId = run.conversationId(undefined, "state.transition");
    const from = run.conversationState("state.transition");
    transitionConversation(from, params.to);
    await run.effects.state.transition(
      { conversationId, from, to: params.to, ...(params.reason !== undefined ? { reason: params.reason } : {}) },
      run.effectContext(path, signal, attempt),
    );
    run.conversation = { ...run.conversation, state: params.to };
    return { from, to: params.to };
  },

  async wait({ params, run, signal }) {
    await run.sleep(params.durationMs, signal);
    return { waitedMs: params.durationMs };
  },

  async "assistant.route"({ params, run, path, signal, attempt }) {
    const conversationId = run.conversationId(undefined, "assistant.route");
    await run.effects.handoff.route(
      { conversationId, assistant: params.assistant, ...(params.reason !== undefined ? { reason: params.reason } : {}) },
      run.effectContext(path, signal, attempt),
    );
    return { assistant: params.assistant };
  },

  async "code.tool.invoke"({ params, run, path, signal, attempt }) {
    const { workspace, saveAs: _saveAs, ...call } = params;
    const result = await run.effects.tools.invoke({ workspaceId: workspace, call: call as ToolCall, actor: run.actor }, run.effectContext(path, signal, attempt));
    return { ...result.output, auditId: result.audit.id };
  },

  async "workspace.create"({ params, run, path, signal, attempt }) {
    const created = await run.effects.tools.createWorkspace({ ...(params.label !== undefined ? { label: params.label } : {}), actor: run.actor }, run.effectContext(path, signal, attempt));
    return { id: created.workspaceId };
  },

  async "workspace.destroy"({ params, run, path, signal, attempt }) {
    await run.effects.tools.destroyWorkspace({ workspaceId: params.workspace, actor: run.actor }, run.effectContext(path, signal, attempt));
    return { id: params.workspace };
  },
};
