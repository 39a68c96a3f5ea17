import { isAppError } from "@symbia/sys";
import type { ConversationState } from "../conversations/state.js";
import { TemplateError } from "../templates/templates.js";
import type { ToolActor } from "../tools/schemas.js";
import type { ActionEffects, EffectContext } from "./effects.js";

/** The conversation as a run sees it; `state` is kept current by `state.transition` and `handoff.create`. */
export interface RunConversation {
  id?: string;
  state?: ConversationState;
  [field: string]: unknown;
}

/**
 * The data actions read: the triggering event and its message, user and conversation, the
 * conversation context, and `vars` (results saved by earlier actions). Graphs add roots such as
 * `input` and `nodes` through `extra`.
 */
export interface ActionScopeInput {
  event?: Record<string, unknown>;
  message?: Record<string, unknown>;
  user?: Record<string, unknown>;
  conversation?: RunConversation;
  context?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** One executed action in the run log. Params are the rendered ones (long strings cut at 2,000 characters). */
export interface ActionRecord {
  /** Where the action is in the document, e.g. `actions[2].params.then[0]`; loop iterations add `@<index>`. */
  path: string;
  type: string;
  actionId?: string;
  status: "succeeded" | "failed" | "cancelled";
  attempts: number;
  /** ISO 8601 UTC. */
  startedAt: string;
  durationMs: number;
  params?: unknown;
  output?: unknown;
  error?: { code: string; message: string; retryable: boolean };
  /** True when the action failed but its policy (`continue`) let the run go on. */
  continued?: boolean;
}

/** Options of an execution. */
export interface ExecuteOptions {
  effects: ActionEffects;
  /** Prefix of every idempotency key (default: a random id). */
  runId?: string;
  /** Who acts (recorded by the code tools' audit); `runId` and `conversationId` default to the run's. */
  actor?: ToolActor;
  signal?: AbortSignal;
  /** Waits `ms` or rejects when `signal` aborts; default a real timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called (and awaited) after every action, nested ones included: the run log / checkpoint hook. */
  onRecord?: (record: ActionRecord) => void | Promise<void>;
}

/** Largest conversation context accepted, as JSON (bytes). */
export const MAX_CONTEXT_BYTES = 256 * 1024;

/**
 * An action failure with a code and whether retrying may help. Effects may throw anything:
 * {@link toActionError} classifies it.
 */
export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ActionError";
  }
}

/** Thrown through the containers when an action fails with the `fail` policy. */
export class ActionFailure extends Error {
  constructor(
    readonly path: string,
    readonly cause: ActionError,
  ) {
    super(`${path}: ${cause.message}`);
    this.name = "ActionFailure";
  }
}

/** Thrown when the run's signal aborted (cancel, preempt). */
export class RunCancelled extends Error {
  constructor(readonly reason: unknown) {
    super(`the run was cancelled${reason instanceof Error ? `: ${reason.message}` : typeof reason === "string" ? `: ${reason}` : ""}`);
    this.name = "RunCancelled";
  }
}

const RETRYABLE_APP_CODES = new Set(["unavailable", "timeout", "rate_limited", "bad_gateway", "internal"]);

/** Maps anything thrown by a handler or an effect to an {@link ActionError}. */
export function toActionError(error: unknown): ActionError {
  if (error instanceof ActionError) return error;
  if (error instanceof ActionFailure) return error.cause;
  if (error instanceof TemplateError) return new ActionError("template_error", error.message, false);
  if (isAppError(error)) return new ActionError(error.code, error.message, RETRYABLE_APP_CODES.has(error.code), error.details);
  if (error instanceof Error) return new ActionError("effect_failed", error.message, true);
  return new ActionError("effect_failed", String(error), true);
}

/** A real, abortable timer. */
export function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelled(signal.reason));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunCancelled(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Where an action runs: inside a loop body (`loop`) and with extra roots (a graph node's `input`, `nodes`). */
export interface Frame {
  loop?: { item: unknown; index: number; count: number };
  extra?: Record<string, unknown>;
}

/** The mutable state of one execution, shared by every action in it (parallel branches included). */
export class Run {
  readonly records: ActionRecord[] = [];
  readonly runId: string;
  readonly effects: ActionEffects;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly actor: ToolActor;
  event: Record<string, unknown>;
  message: Record<string, unknown> | undefined;
  user: Record<string, unknown> | undefined;
  conversation: RunConversation | undefined;
  context: Record<string, unknown>;
  vars: Record<string, unknown>;
  extra: Record<string, unknown>;

  constructor(
    input: ActionScopeInput,
    readonly options: ExecuteOptions,
  ) {
    this.runId = options.runId ?? `run_${crypto.randomUUID()}`;
    this.effects = options.effects;
    this.sleep = options.sleep ?? defaultSleep;
    this.actor = { runId: this.runId, ...(input.conversation?.id ? { conversationId: input.conversation.id } : {}), ...options.actor };
    this.event = input.event ?? {};
    this.message = input.message;
    this.user = input.user;
    this.conversation = input.conversation ? { ...input.conversation } : undefined;
    this.context = structuredClone(input.context ?? {});
    this.vars = { ...(input.vars ?? {}) };
    this.extra = input.extra ?? {};
  }

  /** The template / condition scope right now: the run's data, the frame's extra roots, and `loop` inside a loop body. */
  scope(frame: Frame = {}): Record<string, unknown> {
    const scope: Record<string, unknown> = { ...this.extra, ...frame.extra, event: this.event, context: this.context, vars: this.vars };
    if (this.message) scope["message"] = this.message;
    if (this.user) scope["user"] = this.user;
    if (this.conversation) scope["conversation"] = this.conversation;
    if (frame.loop) scope["loop"] = frame.loop;
    return scope;
  }

  /** The conversation id, or an ActionError naming the action that needed it. */
  conversationId(override: string | undefined, what: string): string {
    const id = override ?? this.conversation?.id;
    if (typeof id !== "string" || id === "") throw new ActionError("no_conversation", `${what} needs a conversation and the event has none`, false);
    return id;
  }

  /** The conversation's current state, or an ActionError. */
  conversationState(what: string): ConversationState {
    const state = this.conversation?.state;
    if (!state) throw new ActionError("no_conversation_state", `${what} needs the conversation's state and the event has none`, false);
    return state;
  }

  effectContext(path: string, signal: AbortSignal, attempt: number): EffectContext {
    return { signal, idempotencyKey: `${this.runId}:${path}`, actionPath: path, attempt };
  }

  async record(record: ActionRecord): Promise<void> {
    this.records.push(record);
    await this.options.onRecord?.(record);
  }
}

/** Cuts long strings (at any depth) for the run log. */
export function forLog(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.length > 2_000 ? `${value.slice(0, 2_000)}…(+${value.length - 2_000} chars)` : value;
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => forLog(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forLog(v, depth + 1)]));
}
