/**
 * The gateway's normalized wire format: one request shape, one response shape and one stream-chunk
 * shape for every provider (OpenAI, Anthropic, Hugging Face, symbia-labs and any OpenAI-compatible
 * server). Field names are camelCase (ARCHITECTURE §4); the OpenAI-compatible `/v1` routes map to
 * and from OpenAI's snake_case in `openai/openai.mapping.ts`.
 */
import { z } from "zod";

/** What a call does: a chat completion, embeddings of texts, or plain text generation from a prompt. */
export const OPERATIONS = ["chat", "embeddings", "generate"] as const;
export const Operation = z.enum(OPERATIONS);
export type Operation = z.infer<typeof Operation>;

/**
 * Why a call failed, in `error.details.category` of the shared error envelope: the provider refused
 * the credential (`auth`), limited the rate or a budget is spent (`rate_limit`), failed or is
 * unreachable or its circuit is open (`provider`), took too long (`timeout`), or refused the request
 * itself (`invalid_request`).
 */
export const ERROR_CATEGORIES = ["auth", "rate_limit", "provider", "timeout", "invalid_request"] as const;
export const ErrorCategory = z.enum(ERROR_CATEGORIES);
export type ErrorCategory = z.infer<typeof ErrorCategory>;

/** A provider id: `openai`, `anthropic`, `huggingface`, `symbia-labs`, or one configured by name. */
export const ProviderId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "a provider id is lower-case letters, digits, '.', '_' or '-'");

/** Why generation ended. `cancelled`: the run was cancelled or the client went away. */
export const FinishReason = z.enum(["stop", "length", "tool_calls", "content_filter", "cancelled", "error"]);
export type FinishReason = z.infer<typeof FinishReason>;

/** A tool call the model made: the function's name and its arguments as a JSON text. */
export const ToolCall = z
  .object({
    id: z.string().min(1).max(200),
    type: z.literal("function").default("function"),
    name: z.string().min(1).max(128),
    /** The arguments as the model wrote them (a JSON text, not parsed). */
    arguments: z.string().max(1_000_000),
  })
  .meta({ id: "ToolCall" });
export type ToolCall = z.infer<typeof ToolCall>;

/** One message of a conversation. `tool` messages answer a tool call and carry its `toolCallId`. */
export const ChatMessage = z
  .object({
    role: z.enum(["system", "user", "assistant", "tool"]),
    content: z.string().max(4 * 1024 * 1024).nullable().default(null),
    name: z.string().min(1).max(128).optional(),
    /** Tool calls an assistant message made (passed back in multi-turn tool use). */
    toolCalls: z.array(ToolCall).max(128).optional(),
    /** The call a `tool` message answers. */
    toolCallId: z.string().min(1).max(200).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.role === "tool" && !m.toolCallId) ctx.addIssue({ code: "custom", path: ["toolCallId"], message: "a tool message names the call it answers" });
    if (m.role !== "assistant" && m.toolCalls) ctx.addIssue({ code: "custom", path: ["toolCalls"], message: "only assistant messages carry tool calls" });
    if (m.content === null && m.role !== "assistant") ctx.addIssue({ code: "custom", path: ["content"], message: `a ${m.role} message has content` });
  })
  .meta({ id: "ChatMessage" });
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A function the model may call; `parameters` is a JSON Schema of its arguments. */
export const ToolDefinition = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "a tool name is 1–64 letters, digits, '_' or '-'"),
    description: z.string().max(4096).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "ToolDefinition" });
export type ToolDefinition = z.infer<typeof ToolDefinition>;

/** Whether the model may, must, or must not call tools, or must call the named one. */
export const ToolChoice = z.union([z.enum(["auto", "none", "required"]), z.object({ name: z.string().min(1).max(64) })]);
export type ToolChoice = z.infer<typeof ToolChoice>;

const sampling = {
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  /** Most tokens to generate. */
  maxTokens: z.int().min(1).max(1_000_000).optional(),
  stop: z.array(z.string().min(1).max(200)).max(4).optional(),
  seed: z.int().optional(),
};

/** `params` of a chat call. */
export const ChatParams = z
  .object({
    messages: z.array(ChatMessage).min(1).max(2000),
    tools: z.array(ToolDefinition).max(128).optional(),
    toolChoice: ToolChoice.optional(),
    ...sampling,
  })
  .meta({ id: "ChatParams" });
export type ChatParams = z.infer<typeof ChatParams>;

/** `params` of an embeddings call: one text or a list of texts. */
export const EmbeddingsParams = z
  .object({
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
    /** Output dimensions, for models that can shorten their vectors. */
    dimensions: z.int().min(1).max(65_536).optional(),
  })
  .meta({ id: "EmbeddingsParams" });
export type EmbeddingsParams = z.infer<typeof EmbeddingsParams>;

/** `params` of a text-generation call: continue `prompt`. */
export const GenerateParams = z.object({ prompt: z.string().min(1).max(4 * 1024 * 1024), ...sampling }).meta({ id: "GenerateParams" });
export type GenerateParams = z.infer<typeof GenerateParams>;

/** A provider, and optionally the model to use there (else its default model for the operation). */
export const ProviderRef = z.object({ provider: ProviderId, model: z.string().min(1).max(200).optional() }).meta({ id: "ProviderRef" });
export type ProviderRef = z.infer<typeof ProviderRef>;

/**
 * The principal a service principal acts for (assistants, messaging, logging call the gateway on
 * behalf of the people and agents they serve). Honoured only when the caller is a service
 * principal; usage, budgets and vault credentials are then those of this principal in this org.
 */
export const OnBehalfOf = z.object({ principalId: z.string().min(1).max(200), orgId: z.string().min(1).max(200) }).meta({ id: "OnBehalfOf" });
export type OnBehalfOf = z.infer<typeof OnBehalfOf>;

const common = {
  /** Provider to call (default: the org's default provider). */
  provider: ProviderId.optional(),
  /** Model at that provider (default: the provider's default model for the operation). */
  model: z.string().min(1).max(200).optional(),
  /** Server-Sent Events of {@link StreamChunk}s instead of one {@link NormalizedResponse} (chat and generate). */
  stream: z.boolean().default(false),
  /** The run this call belongs to: `POST /api/integrations/runs/:runId/cancel` (or `cancelRun`) aborts it. */
  runId: z.string().min(1).max(200).optional(),
  /** Providers tried in order when the first fails (default: the org's fallback list). */
  fallback: z.array(ProviderRef).max(5).optional(),
  onBehalfOf: OnBehalfOf.optional(),
  /** Per-attempt timeout, ms (default and ceiling: the service's configuration). */
  timeoutMs: z.int().min(100).max(600_000).optional(),
};

/** Body of `POST /api/integrations/execute`. */
export const ExecuteRequest = z
  .discriminatedUnion("operation", [
    z.object({ operation: z.literal("chat"), params: ChatParams, ...common }),
    z.object({ operation: z.literal("embeddings"), params: EmbeddingsParams, ...common }),
    z.object({ operation: z.literal("generate"), params: GenerateParams, ...common }),
  ])
  .superRefine((r, ctx) => {
    if (r.operation === "embeddings" && r.stream) ctx.addIssue({ code: "custom", path: ["stream"], message: "embeddings are not streamed" });
  })
  .meta({ id: "ExecuteRequest" });
export type ExecuteRequest = z.infer<typeof ExecuteRequest>;
/** {@link ExecuteRequest} as a caller writes it (before defaults apply). */
export type ExecuteRequestInput = z.input<typeof ExecuteRequest>;

/** Token counts; `estimated` when the provider did not report them (a cancelled stream, for example). */
export const Usage = z
  .object({ promptTokens: z.int().min(0), completionTokens: z.int().min(0), totalTokens: z.int().min(0), estimated: z.boolean().optional() })
  .meta({ id: "Usage" });
export type Usage = z.infer<typeof Usage>;

/** One provider call made for a request (retries and fallbacks each add one). */
export const Attempt = z
  .object({
    provider: z.string(),
    model: z.string(),
    outcome: z.enum(["ok", "error", "cancelled"]),
    category: ErrorCategory.optional(),
    latencyMs: z.number().min(0),
  })
  .meta({ id: "Attempt" });
export type Attempt = z.infer<typeof Attempt>;

/** The answer of every provider, normalized. */
export const NormalizedResponse = z
  .object({
    /** The gateway's request id (also in `x-request-id`). */
    id: z.string(),
    /** The provider's own id of the response, when it gave one. */
    providerRequestId: z.string().nullable(),
    provider: z.string(),
    model: z.string(),
    operation: Operation,
    /** Generated text (chat and generate); null for embeddings or a reply made only of tool calls. */
    content: z.string().nullable(),
    toolCalls: z.array(ToolCall),
    finishReason: FinishReason.nullable(),
    /** One vector per input text (embeddings). */
    embeddings: z.array(z.array(z.number())).optional(),
    usage: Usage,
    /** Time from the request to the answer, ms (all attempts). */
    latencyMs: z.number().min(0),
    runId: z.string().nullable(),
    traceId: z.string(),
    attempts: z.array(Attempt),
  })
  .meta({ id: "NormalizedResponse" });
export type NormalizedResponse = z.infer<typeof NormalizedResponse>;

/** A fragment of a tool call in a stream: `id` and `name` come first, `arguments` in pieces after. */
export const ToolCallDelta = z.object({ index: z.int().min(0), id: z.string().optional(), name: z.string().optional(), arguments: z.string().optional() }).meta({ id: "ToolCallDelta" });
export type ToolCallDelta = z.infer<typeof ToolCallDelta>;

const chunkBase = {
  /** The gateway's request id, the same on every chunk of a stream. */
  id: z.string(),
  provider: z.string(),
  model: z.string(),
  /** Position of this chunk in the stream, from 0. */
  index: z.int().min(0),
};

/** Error body inside a stream (`error` chunk) and in the envelope's `details`. */
export const StreamError = z.object({ code: z.string(), message: z.string(), category: ErrorCategory, details: z.unknown().optional() });

/**
 * One Server-Sent Event of a streamed call (the SSE event name is the chunk's `type`): `delta`s of
 * content and tool calls, then exactly one `done` (finish reason, usage, latency; also after a
 * cancel) or one `error`.
 */
export const StreamChunk = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("delta"), ...chunkBase, content: z.string().optional(), toolCalls: z.array(ToolCallDelta).optional() }),
    z.object({
      type: z.literal("done"),
      ...chunkBase,
      providerRequestId: z.string().nullable(),
      finishReason: FinishReason,
      /** The whole text generated. */
      content: z.string(),
      /** The tool calls, assembled. */
      toolCalls: z.array(ToolCall),
      usage: Usage,
      latencyMs: z.number().min(0),
      runId: z.string().nullable(),
      traceId: z.string(),
      attempts: z.array(Attempt),
    }),
    z.object({ type: z.literal("error"), ...chunkBase, error: StreamError }),
  ])
  .meta({ id: "StreamChunk" });
export type StreamChunk = z.infer<typeof StreamChunk>;

/** Answer of `POST /api/integrations/runs/:runId/cancel`: how many calls of the run were aborted. */
export const CancelRunResponse = z.object({ runId: z.string(), cancelled: z.int().min(0) }).meta({ id: "CancelRunResponse" });
export type CancelRunResponse = z.infer<typeof CancelRunResponse>;

/** A provider as the gateway knows it for an org (`GET /api/integrations/providers`). */
export const ProviderInfo = z
  .object({
    id: z.string(),
    kind: z.enum(["openai", "anthropic", "huggingface", "symbia-labs"]),
    defaultModels: z.record(z.string(), z.string()),
    models: z.array(z.string()),
    /** Circuit breaker state: calls flow (closed), fail fast (open), or one trial call is allowed (half_open). */
    circuit: z.enum(["closed", "open", "half_open"]),
    /** Where the configuration came from. */
    source: z.enum(["env", "catalog"]),
  })
  .meta({ id: "ProviderInfo" });
export type ProviderInfo = z.infer<typeof ProviderInfo>;
