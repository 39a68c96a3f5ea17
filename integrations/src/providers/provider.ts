import type { ChatParams, EmbeddingsParams, FinishReason, GenerateParams, ToolCall, ToolCallDelta, Usage } from "../execute/execute.schemas.js";

/** What an adapter needs for one provider call. */
export interface ProviderRequest<P> {
  model: string;
  params: P;
  /** The credential to send (null: none, e.g. a local server without auth). Never logged. */
  apiKey: string | null;
  /** SDK base URL; the SDK's own default when absent. */
  baseUrl?: string;
  /** Aborts the call: a cancel, a client disconnect or the attempt's timeout. */
  signal: AbortSignal;
  /** Extra request headers (trace context for our own services). */
  headers: Record<string, string>;
}

/** A whole answer, normalized. `usage` is null when the provider reported none. */
export interface AdapterResult {
  providerRequestId: string | null;
  model: string;
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason | null;
  usage: Usage | null;
  embeddings?: number[][];
}

/**
 * One event of a streamed answer, normalized. `usage` may come in parts (Anthropic reports the
 * prompt's tokens first and the completion's at the end); later values replace earlier ones.
 */
export type AdapterEvent =
  | { type: "meta"; providerRequestId?: string; model?: string }
  | { type: "delta"; content?: string; toolCalls?: ToolCallDelta[] }
  | { type: "usage"; promptTokens?: number; completionTokens?: number }
  | { type: "finish"; finishReason: FinishReason };

/**
 * A provider's wire format behind its official SDK. Methods throw the SDK's errors (classified by
 * `classifyError`); streams start their HTTP request when first iterated.
 */
export interface ProviderAdapter {
  chat(request: ProviderRequest<ChatParams>): Promise<AdapterResult>;
  chatStream(request: ProviderRequest<ChatParams>): AsyncIterable<AdapterEvent>;
  generate(request: ProviderRequest<GenerateParams>): Promise<AdapterResult>;
  generateStream(request: ProviderRequest<GenerateParams>): AsyncIterable<AdapterEvent>;
  embeddings(request: ProviderRequest<EmbeddingsParams>): Promise<AdapterResult>;
}

/** The generate operation as a one-message chat, for providers whose API is chat only. */
export function promptAsChat(params: GenerateParams): ChatParams {
  const { prompt, ...sampling } = params;
  return { messages: [{ role: "user", content: prompt }], ...sampling };
}

/** Maps an OpenAI-style finish reason to the normalized one. */
export function openAiFinishReason(reason: string | null | undefined): FinishReason | null {
  switch (reason) {
    case undefined:
    case null:
      return null;
    case "stop":
    case "eos_token":
    case "stop_sequence":
      return "stop";
    case "length":
      return "length";
    case "tool_calls":
    case "function_call":
      return "tool_calls";
    case "content_filter":
      return "content_filter";
    default:
      return "stop";
  }
}
