import type { ServiceId } from "@symbia/sys";
import type { ConversationState } from "../conversations/state.js";
import type { ToolActor, ToolCall, ToolInvocationResult } from "../tools/schemas.js";

/**
 * What every effect call receives besides its request: the run's abort signal (cancel, preempt,
 * a timeout), an idempotency key unique to this action execution in this run (`<runId>:<path>`,
 * stable across retries and resumes so the callee can deduplicate), and the action's path.
 */
export interface EffectContext {
  signal: AbortSignal;
  idempotencyKey: string;
  actionPath: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

/** One chat message given to a model. */
export interface LlmMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Model settings; absent fields mean the assistant's configured model and defaults. */
export interface LlmModelSettings {
  provider?: string;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string[];
}

/** An LLM call (through integrations, in the service wiring). */
export interface LlmInvokeRequest {
  messages: LlmMessage[];
  model: LlmModelSettings;
  /** How many earlier conversation messages the implementation prepends (0 = none). */
  historyMessages: number;
  /**
   * When set, the implementation streams the reply into this conversation (`message:stream`
   * chunks) and persists the final message; otherwise the text is only returned.
   */
  respond?: { conversationId: string; replyToId?: string };
}

/** An LLM call's result. Tokens are counted by the provider. */
export interface LlmInvokeResult {
  content: string;
  finishReason: "stop" | "length" | "cancelled" | "error" | string;
  usage?: { inputTokens: number; outputTokens: number };
  /** Id of the persisted reply when `respond` was set. */
  messageId?: string;
  model?: string;
}

/** A message sent into a conversation by the assistant. */
export interface SendMessageRequest {
  conversationId: string;
  content: string;
  contentType: "text/plain" | "text/markdown";
  replyToId?: string;
  metadata?: Record<string, unknown>;
}

/** A call to another Symbia service's documented REST API (authenticated as the assistants service). */
export interface ServiceCallRequest {
  service: ServiceId;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Absolute path on that service, starting with `/`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

/** An outgoing webhook (the implementation is responsible for egress policy: SSRF guards, allow lists). */
export interface WebhookCallRequest {
  url: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

/** An HTTP answer; the executor treats a status outside 200–299 as a failure. */
export interface HttpResult {
  status: number;
  body: unknown;
}

/** A handoff to a human queue or to another assistant. */
export interface HandoffRequest {
  conversationId: string;
  target: { type: "human"; queue?: string } | { type: "assistant"; assistant: string };
  reason: string;
  summary?: string;
  priority: "low" | "normal" | "high" | "urgent";
}

/** Routing the next turn to a named assistant (by alias). */
export interface RouteRequest {
  conversationId: string;
  assistant: string;
  reason?: string;
}

/** A validated conversation-state change to persist and publish. */
export interface StateTransitionRequest {
  conversationId: string;
  from: ConversationState;
  to: ConversationState;
  reason?: string;
}

/** The conversation context after `ops` were applied (the whole new context is given). */
export interface ContextUpdateRequest {
  conversationId: string;
  context: Record<string, unknown>;
  ops: ReadonlyArray<Record<string, unknown>>;
}

/**
 * Everything actions and graph nodes can do to the world. The executor only talks to this
 * interface; the service wiring gives the real implementations (integrations for `llm`,
 * messaging for `messaging`, HTTP clients, the handoff and state stores, the code tools).
 * Implementations throw `AppError` for failures; codes `unavailable`, `timeout`,
 * `rate_limited`, `bad_gateway` and `internal` are retried by a retry policy, the rest are not.
 */
export interface ActionEffects {
  llm: {
    invoke(request: LlmInvokeRequest, context: EffectContext): Promise<LlmInvokeResult>;
  };
  messaging: {
    send(request: SendMessageRequest, context: EffectContext): Promise<{ messageId: string }>;
  };
  http: {
    callService(request: ServiceCallRequest, context: EffectContext): Promise<HttpResult>;
    callWebhook(request: WebhookCallRequest, context: EffectContext): Promise<HttpResult>;
  };
  handoff: {
    create(request: HandoffRequest, context: EffectContext): Promise<{ handoffId: string }>;
    route(request: RouteRequest, context: EffectContext): Promise<void>;
  };
  state: {
    transition(request: StateTransitionRequest, context: EffectContext): Promise<void>;
    updateContext(request: ContextUpdateRequest, context: EffectContext): Promise<void>;
  };
  tools: {
    createWorkspace(request: { label?: string; actor: ToolActor }, context: EffectContext): Promise<{ workspaceId: string }>;
    destroyWorkspace(request: { workspaceId: string; actor: ToolActor }, context: EffectContext): Promise<void>;
    invoke(request: { workspaceId: string; call: ToolCall; actor: ToolActor }, context: EffectContext): Promise<ToolInvocationResult>;
  };
}

/** The parts of {@link CodeTools} the tools effect needs. */
interface CodeToolsLike {
  createWorkspace(input: { label?: string; actor?: ToolActor }): Promise<{ id: string }>;
  destroyWorkspace(id: string, actor?: ToolActor): Promise<void>;
  invoke(workspaceId: string, call: ToolCall, options: { actor?: ToolActor; signal?: AbortSignal }): Promise<ToolInvocationResult>;
}

/** The `tools` effect backed by the in-process code tools (`createCodeTools`). */
export function toolEffectsFromCodeTools(tools: CodeToolsLike): ActionEffects["tools"] {
  return {
    async createWorkspace(request) {
      const workspace = await tools.createWorkspace({ ...(request.label === undefined ? {} : { label: request.label }), actor: request.actor });
      return { workspaceId: workspace.id };
    },
    async destroyWorkspace(request) {
      await tools.destroyWorkspace(request.workspaceId, request.actor);
    },
    invoke(request, context) {
      return tools.invoke(request.workspaceId, request.call, { actor: request.actor, signal: context.signal });
    },
  };
}
