import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { createParser } from "eventsource-parser";
import { AppError, type Scope, type ServiceId } from "@symbia/sys";
import type { ActionEffects, EffectContext, LlmInvokeRequest, LlmInvokeResult } from "../actions/effects.js";
import type { LoadedAssistant } from "../assistants/assistants.service.js";
import { appendHistory, getConversation, saveConversation } from "../conversations/conversations.store.js";
import type { AssistantsDeps } from "../deps.js";
import { createWorkspace, deleteWorkspace, invokeTool } from "../workspaces/workspaces.service.js";
import type { ActiveRun } from "./active-runs.js";
import type { AgentRef } from "./outlet.js";

/** What the effects of one run act for. */
export interface RunEffectsContext {
  run: ActiveRun;
  assistant: LoadedAssistant;
  agent: AgentRef;
  orgId: string;
  traceId: string;
  /** The message that started the run (excluded from history: the prompt carries it). */
  triggerMessageId?: string | undefined;
}

/** A UUID derived from a string (stable per idempotency key: a resumed action streams into the same reply id). */
export function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A messaging clientId (≤ 100 safe characters) from an idempotency key. */
function clientIdFrom(key: string): string {
  return `asst:${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

const PRIVATE_V4 = [/^10\./, /^127\./, /^169\.254\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./, /^0\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];
function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 6) {
    const a = address.toLowerCase();
    if (a.startsWith("::ffff:")) return isPrivateAddress(a.slice(7));
    return a === "::1" || a === "::" || a.startsWith("fc") || a.startsWith("fd") || a.startsWith("fe80");
  }
  return PRIVATE_V4.some((r) => r.test(address));
}

async function httpAnswer(res: Response): Promise<{ status: number; body: unknown }> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: kept as text */
  }
  return { status: res.status, body };
}

/**
 * The real {@link ActionEffects} of one run: `llm.invoke` through integrations
 * (`POST /api/integrations/execute`, streamed, on behalf of the assistant's agent, `runId` = the
 * run, the trace id passed on), replies streamed to messaging as `message.stream.*` (relay or
 * `POST /api/assistant-events`), `message.send`, conversation state and context in this service's
 * database (transitions also published on the relay), handoffs and routes, service and webhook
 * calls over HTTP, and the code tools in the org's workspaces.
 */
export function createRunEffects(deps: AssistantsDeps, ctx: RunEffectsContext): ActionEffects {
  const { config } = deps;
  const serviceToken = async () => {
    if (!deps.session) throw new AppError("unavailable", "ASSISTANTS_SERVICE_SECRET is not set: the assistants service cannot call other services");
    return deps.session.getToken();
  };
  const scope: Scope = { orgId: ctx.orgId, principalId: ctx.agent.id, principalType: "agent", entityId: ctx.agent.entityId };
  const actor = { principalId: ctx.agent.id, runId: ctx.run.runId, ...(ctx.run.conversationId ? { conversationId: ctx.run.conversationId } : {}) };

  async function invokeLlm(request: LlmInvokeRequest, effect: EffectContext): Promise<LlmInvokeResult> {
    const model = ctx.assistant.body.model;
    const messages: Array<{ role: string; content: string }> = [];
    const hasSystem = request.messages.some((m) => m.role === "system");
    if (!hasSystem && ctx.assistant.body.systemPrompt) messages.push({ role: "system", content: ctx.assistant.body.systemPrompt });
    const system = request.messages.filter((m) => m.role === "system");
    messages.push(...system);
    const historyCount = request.historyMessages;
    if (historyCount > 0 && ctx.run.conversationId) {
      const conversation = await getConversation(deps.database, ctx.orgId, ctx.run.conversationId);
      const earlier = conversation.history.filter((h) => h.id !== ctx.triggerMessageId).slice(-historyCount);
      messages.push(...earlier.map((h) => ({ role: h.role, content: h.content })));
    }
    messages.push(...request.messages.filter((m) => m.role !== "system"));
    const parameters = model?.parameters ?? {};
    const body = {
      provider: request.model.provider ?? model?.provider ?? config.defaultProvider,
      model: request.model.model ?? model?.model ?? config.defaultModel,
      operation: "chat",
      params: {
        messages,
        ...(request.model.temperature ?? parameters.temperature) !== undefined ? { temperature: request.model.temperature ?? parameters.temperature } : {},
        ...(request.model.maxTokens ?? parameters.maxTokens) !== undefined ? { maxTokens: request.model.maxTokens ?? parameters.maxTokens } : {},
        ...(request.model.topP ?? parameters.topP) !== undefined ? { topP: request.model.topP ?? parameters.topP } : {},
        ...(request.model.stop ?? parameters.stop) !== undefined ? { stop: request.model.stop ?? parameters.stop } : {},
      },
      stream: true,
      runId: ctx.run.runId,
      fallback: [],
      timeoutMs: config.llmTimeoutMs,
      onBehalfOf: { principalId: ctx.agent.id, orgId: ctx.orgId },
    };
    let res: Response;
    try {
      res = await fetch(`${config.serviceUrls.integrations}/api/integrations/execute`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${await serviceToken()}`, "x-trace-id": ctx.traceId, "x-org-id": ctx.orgId },
        body: JSON.stringify(body),
        signal: effect.signal,
      });
    } catch (error) {
      if (effect.signal.aborted) throw effect.signal.reason ?? error;
      throw new AppError("unavailable", `integrations unreachable: ${(error as Error).message}`);
    }
    if (!res.ok || !res.body) {
      const answer = await httpAnswer(res);
      const err = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
      const code = res.status === 429 ? "rate_limited" : res.status >= 500 ? "bad_gateway" : ((err?.code ?? "bad_request") as ConstructorParameters<typeof AppError>[0]);
      throw new AppError(code, `integrations answered ${res.status}: ${err?.message ?? ""}`, { status: res.status });
    }
    const respond = request.respond;
    const messageId = respond ? uuidFrom(effect.idempotencyKey) : undefined;
    let index = 0;
    let started = false;
    let content = "";
    type Done = { finishReason?: string; content?: string; usage?: { promptTokens: number; completionTokens: number }; model?: string };
    const result: { done: Done | null; failure: { code?: string; message?: string } | null } = { done: null, failure: null };
    const queue: Array<{ event: string; data: string }> = [];
    const parser = createParser({ onEvent: (e) => queue.push({ event: e.event ?? "message", data: e.data }) });
    const send = async (type: "message.stream.start" | "message.stream.chunk" | "message.stream.end", data: Record<string, unknown>) => {
      try {
        await deps.outlet.send({ type, orgId: ctx.orgId, principal: ctx.agent, traceId: ctx.traceId, data } as never);
      } catch (error) {
        // Messaging ended the reply (a participant cancelled it, a handoff, the idle timeout): the run is cancelled with it.
        if (type !== "message.stream.start" && error instanceof AppError && (error.code === "conflict" || error.code === "not_found")) {
          ctx.run.cancel(`the reply was ended in messaging: ${error.message}`);
          throw effect.signal.reason ?? error;
        }
        throw error;
      }
    };
    const start = async () => {
      if (started || !respond || !messageId) return;
      started = true;
      ctx.run.streamMessageId = messageId;
      await send("message.stream.start", { conversationId: respond.conversationId, messageId, ...(respond.replyToId ? { replyTo: respond.replyToId } : {}), metadata: { runId: ctx.run.runId, assistant: ctx.assistant.key } });
    };
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const onAbort = () => void reader.cancel().catch(() => undefined);
    effect.signal.addEventListener("abort", onAbort, { once: true });
    // Deltas are forwarded by a pump: while one chunk is on its way, later deltas are joined into
    // the next chunk, so forwarding keeps pace with the model (the read never waits on messaging)
    // and chunks keep their order. A pause holds the pump before its next chunk.
    let pending = "";
    let pump: Promise<void> | null = null;
    let pumpError: unknown = null;
    const flush = async () => {
      try {
        while (pending && !effect.signal.aborted) {
          await ctx.run.waitIfPaused();
          if (effect.signal.aborted) break;
          const delta = pending;
          pending = "";
          await send("message.stream.chunk", { messageId, index, delta });
          index += 1;
        }
      } catch (error) {
        pumpError = error;
      } finally {
        pump = null;
      }
    };
    try {
      await start();
      for (;;) {
        const { value, done: end } = await reader.read();
        if (value) parser.feed(decoder.decode(value, { stream: true }));
        while (queue.length) {
          const item = queue.shift()!;
          const data = JSON.parse(item.data) as Record<string, unknown>;
          if (item.event === "delta" && typeof data.content === "string" && data.content) {
            content += data.content;
            if (respond && messageId) {
              pending += data.content;
              pump ??= flush();
            }
          } else if (item.event === "done") result.done = data as Done;
          else if (item.event === "error") result.failure = (data.error ?? data) as { code?: string; message?: string };
        }
        if (pumpError) throw pumpError;
        if (end || effect.signal.aborted) break;
      }
      while (pump || (pending && !effect.signal.aborted)) {
        if (pump) await pump;
        else pump = flush();
        if (pumpError) throw pumpError;
      }
    } finally {
      effect.signal.removeEventListener("abort", onAbort);
    }
    if (effect.signal.aborted) throw effect.signal.reason ?? new Error("cancelled");
    if (result.failure) throw new AppError("bad_gateway", `the model failed mid-stream: ${result.failure.message ?? result.failure.code ?? "error"}`);
    if (!result.done) throw new AppError("bad_gateway", "the model's stream ended without a result");
    const finished = result.done;
    if (respond && messageId) {
      await ctx.run.waitIfPaused();
      await send("message.stream.end", { messageId, chunks: index, metadata: { runId: ctx.run.runId, assistant: ctx.assistant.key, finishReason: finished.finishReason ?? "stop" } });
      ctx.run.streamMessageId = null;
      if (ctx.run.conversationId) await appendHistory(deps.database, ctx.orgId, ctx.run.conversationId, { id: messageId, role: "assistant", content, sender: ctx.agent.id });
    }
    return {
      content: finished.content ?? content,
      finishReason: finished.finishReason ?? "stop",
      ...(finished.usage ? { usage: { inputTokens: finished.usage.promptTokens, outputTokens: finished.usage.completionTokens } } : {}),
      ...(messageId ? { messageId } : {}),
      ...(finished.model ? { model: finished.model } : {}),
    };
  }

  return {
    llm: { invoke: invokeLlm },
    messaging: {
      async send(request, effect) {
        const result = (await deps.outlet.send({
          type: "message.response",
          orgId: ctx.orgId,
          principal: ctx.agent,
          traceId: ctx.traceId,
          data: {
            conversationId: request.conversationId, content: request.content, contentType: request.contentType === "text/markdown" ? "markdown" : "text",
            // A message sent during a turn answers the turn's message unless it names another.
            ...(request.replyToId ? { replyTo: request.replyToId } : ctx.triggerMessageId && request.conversationId === ctx.run.conversationId ? { replyTo: ctx.triggerMessageId } : {}), metadata: { ...request.metadata, runId: ctx.run.runId, assistant: ctx.assistant.key },
            clientId: clientIdFrom(effect.idempotencyKey),
          },
        })) as { id?: string } | undefined;
        const messageId = result?.id ?? clientIdFrom(effect.idempotencyKey);
        await appendHistory(deps.database, ctx.orgId, request.conversationId, { id: messageId, role: "assistant", content: request.content, sender: ctx.agent.id });
        return { messageId };
      },
    },
    http: {
      async callService(request, effect) {
        const base = config.serviceUrls[request.service as ServiceId];
        if (!base) throw new AppError("validation_failed", `unknown service ${request.service}`);
        const url = new URL(request.path, base);
        for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
        const res = await fetch(url, {
          method: request.method,
          headers: {
            authorization: `Bearer ${await serviceToken()}`, "x-org-id": ctx.orgId, "x-on-behalf-of": ctx.agent.id, "x-trace-id": ctx.traceId,
            ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
          },
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          signal: AbortSignal.any([effect.signal, AbortSignal.timeout(request.timeoutMs)]),
        });
        return httpAnswer(res);
      },
      async callWebhook(request, effect) {
        const url = new URL(request.url);
        if (!config.webhookAllowPrivate) {
          const host = url.hostname.replace(/^\[|\]$/g, "");
          const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
          if (addresses.some(isPrivateAddress)) throw new AppError("forbidden", `webhook.call to a private address is not allowed (${url.hostname})`);
        }
        const res = await fetch(url, {
          method: request.method,
          redirect: "manual",
          headers: { ...request.headers, "x-trace-id": ctx.traceId, ...(request.body !== undefined ? { "content-type": "application/json" } : {}) },
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          signal: AbortSignal.any([effect.signal, AbortSignal.timeout(request.timeoutMs)]),
        });
        return httpAnswer(res);
      },
    },
    handoff: {
      async create(request, effect) {
        const handoffId = `hof_${createHash("sha256").update(effect.idempotencyKey).digest("hex").slice(0, 24)}`;
        const handoff = { id: handoffId, ...request, by: ctx.assistant.key, runId: ctx.run.runId, at: new Date().toISOString() };
        await saveConversation(deps.database, ctx.orgId, request.conversationId, { handoff });
        await deps.outlet.notify("assistant.handoff.requested", handoff, { orgId: ctx.orgId, principal: ctx.agent, traceId: ctx.traceId });
        return { handoffId };
      },
      async route(request) {
        const conversation = await getConversation(deps.database, ctx.orgId, request.conversationId);
        await saveConversation(deps.database, ctx.orgId, request.conversationId, { context: { ...conversation.context, _routeTo: request.assistant } });
        await deps.outlet.notify("assistant.route", request, { orgId: ctx.orgId, principal: ctx.agent, traceId: ctx.traceId });
      },
    },
    state: {
      async transition(request) {
        await saveConversation(deps.database, ctx.orgId, request.conversationId, { state: request.to });
        await deps.outlet.notify("assistant.state.changed", { ...request, assistant: ctx.assistant.key, runId: ctx.run.runId }, { orgId: ctx.orgId, principal: ctx.agent, traceId: ctx.traceId });
      },
      async updateContext(request) {
        await saveConversation(deps.database, ctx.orgId, request.conversationId, { context: request.context });
      },
    },
    tools: {
      async createWorkspace(request) {
        const workspace = await createWorkspace(deps, scope, { ...(request.label ? { label: request.label } : {}), runId: ctx.run.runId, ...(ctx.run.conversationId ? { conversationId: ctx.run.conversationId } : {}) });
        return { workspaceId: workspace.id };
      },
      async destroyWorkspace(request) {
        await deleteWorkspace(deps, scope, request.workspaceId);
      },
      invoke(request, effect) {
        return invokeTool(deps, scope, request.workspaceId, { tool: request.call.tool, args: request.call.args as Record<string, unknown>, context: actor }, effect.signal);
      },
    },
  };
}
