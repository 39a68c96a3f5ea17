import Anthropic from "@anthropic-ai/sdk";
import type { ChatParams, FinishReason, ToolCall } from "../execute/execute.schemas.js";
import { ProviderError } from "./errors.js";
import { promptAsChat, type AdapterEvent, type AdapterResult, type ProviderAdapter, type ProviderRequest } from "./provider.js";

/** Anthropic's API root, used when neither configuration nor credential names another. */
export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";
/** `max_tokens` is required by the Messages API: used when neither request nor configuration sets it. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

type MessageParam = Anthropic.MessageParam;
type ContentBlockParam = Anthropic.ContentBlockParam;

/**
 * The client for one call: the key is explicit (never `ANTHROPIC_*` variables or profiles on disk),
 * the SDK's retries are off and its timeout long (the gateway bounds the call).
 */
function client(request: ProviderRequest<unknown>): Anthropic {
  if (!request.apiKey) throw new ProviderError("auth", "anthropic: no API key (none in the vault for this principal or org, and ANTHROPIC_API_KEY is not set)");
  return new Anthropic({ apiKey: request.apiKey, baseURL: request.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL, maxRetries: 0, timeout: 24 * 3600_000, defaultHeaders: request.headers });
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    throw new ProviderError("invalid_request", "anthropic: a tool call's arguments are not a JSON object");
  }
}

/**
 * Normalized chat params → a Messages API request (without `model` and `stream`): system messages
 * become `system`, tool results become `tool_result` blocks of a user turn, assistant tool calls
 * become `tool_use` blocks, and consecutive turns of one role are merged (the API alternates roles).
 */
export function toAnthropicMessages(params: ChatParams, defaultMaxTokens: number) {
  const system = params.messages.filter((m) => m.role === "system").map((m) => m.content ?? "").join("\n\n");
  const messages: MessageParam[] = [];
  const push = (role: "user" | "assistant", blocks: ContentBlockParam[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) (last.content as ContentBlockParam[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of params.messages) {
    if (m.role === "system") continue;
    if (m.role === "tool") push("user", [{ type: "tool_result", tool_use_id: m.toolCallId!, content: m.content ?? "" }]);
    else if (m.role === "assistant") {
      const blocks: ContentBlockParam[] = [];
      if (m.content) blocks.push({ type: "text", text: m.content });
      for (const call of m.toolCalls ?? []) blocks.push({ type: "tool_use", id: call.id, name: call.name, input: parseArguments(call.arguments) });
      push("assistant", blocks);
    } else push("user", [{ type: "text", text: m.content ?? "" }]);
  }
  const choice = params.toolChoice;
  return {
    ...(system ? { system } : {}),
    messages,
    max_tokens: params.maxTokens ?? defaultMaxTokens,
    ...(params.tools?.length
      ? { tools: params.tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: (t.parameters ?? { type: "object", properties: {} }) as Anthropic.Tool.InputSchema })) }
      : {}),
    ...(choice
      ? { tool_choice: (choice === "auto" ? { type: "auto" } : choice === "none" ? { type: "none" } : choice === "required" ? { type: "any" } : { type: "tool", name: choice.name }) as Anthropic.ToolChoice }
      : {}),
    ...(params.temperature !== undefined ? { temperature: Math.min(1, params.temperature) } : {}),
    ...(params.topP !== undefined ? { top_p: params.topP } : {}),
    ...(params.stop?.length ? { stop_sequences: params.stop } : {}),
  };
}

/** Anthropic's stop reason → the normalized finish reason. */
export function anthropicFinishReason(reason: string | null | undefined): FinishReason | null {
  switch (reason) {
    case undefined:
    case null:
      return null;
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

function fromMessage(message: Anthropic.Message, model: string): AdapterResult {
  const text = message.content.filter((b): b is Anthropic.TextBlock => b.type === "text").map((b) => b.text);
  const toolCalls: ToolCall[] = message.content
    .filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")
    .map((b) => ({ id: b.id, type: "function" as const, name: b.name, arguments: JSON.stringify(b.input ?? {}) }));
  const prompt = message.usage?.input_tokens ?? 0;
  const completion = message.usage?.output_tokens ?? 0;
  return {
    providerRequestId: message.id ?? null,
    model: message.model || model,
    content: text.length ? text.join("") : null,
    toolCalls,
    finishReason: anthropicFinishReason(message.stop_reason),
    usage: message.usage ? { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion } : null,
  };
}

/** Raw Messages stream events → normalized events (tool calls numbered in their order of appearance). */
async function* fromAnthropicStream(events: AsyncIterable<Anthropic.RawMessageStreamEvent>): AsyncGenerator<AdapterEvent> {
  const toolIndexByBlock = new Map<number, number>();
  for await (const event of events) {
    switch (event.type) {
      case "message_start":
        yield { type: "meta", providerRequestId: event.message.id, model: event.message.model };
        if (event.message.usage) yield { type: "usage", promptTokens: event.message.usage.input_tokens ?? 0, completionTokens: event.message.usage.output_tokens ?? 0 };
        break;
      case "content_block_start":
        if (event.content_block.type === "tool_use") {
          const index = toolIndexByBlock.size;
          toolIndexByBlock.set(event.index, index);
          yield { type: "delta", toolCalls: [{ index, id: event.content_block.id, name: event.content_block.name }] };
        } else if (event.content_block.type === "text" && event.content_block.text) yield { type: "delta", content: event.content_block.text };
        break;
      case "content_block_delta":
        if (event.delta.type === "text_delta" && event.delta.text) yield { type: "delta", content: event.delta.text };
        else if (event.delta.type === "input_json_delta" && event.delta.partial_json) {
          const index = toolIndexByBlock.get(event.index) ?? 0;
          yield { type: "delta", toolCalls: [{ index, arguments: event.delta.partial_json }] };
        }
        break;
      case "message_delta": {
        const finish = anthropicFinishReason(event.delta.stop_reason);
        if (event.usage) yield { type: "usage", ...(event.usage.input_tokens != null ? { promptTokens: event.usage.input_tokens } : {}), completionTokens: event.usage.output_tokens ?? 0 };
        if (finish) yield { type: "finish", finishReason: finish };
        break;
      }
      default:
        break;
    }
  }
}

/**
 * Anthropic's Messages API through the official `@anthropic-ai/sdk`: chat (whole and streamed, with
 * tool use), text generation as a one-message chat. Anthropic has no embeddings endpoint: an
 * embeddings call is refused as an invalid request. Streams report the prompt's tokens in
 * `message_start` and the completion's in `message_delta`.
 */
export function anthropicAdapter(defaults: { maxTokens?: number } = {}): ProviderAdapter {
  const maxTokens = defaults.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
  const adapter: ProviderAdapter = {
    async chat(request) {
      const message = await client(request).messages.create({ model: request.model, ...toAnthropicMessages(request.params, maxTokens), stream: false }, { signal: request.signal });
      return fromMessage(message, request.model);
    },
    async *chatStream(request) {
      const stream = await client(request).messages.create({ model: request.model, ...toAnthropicMessages(request.params, maxTokens), stream: true }, { signal: request.signal });
      yield* fromAnthropicStream(stream);
    },
    generate: (request) => adapter.chat({ ...request, params: promptAsChat(request.params) }),
    generateStream: (request) => adapter.chatStream({ ...request, params: promptAsChat(request.params) }),
    async embeddings() {
      throw new ProviderError("invalid_request", "anthropic: Anthropic offers no embeddings; choose another provider");
    },
  };
  return adapter;
}
