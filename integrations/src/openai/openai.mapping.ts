import { AppError } from "@symbia/sys";
import type { ChatMessage, ChatParams, FinishReason, NormalizedResponse, StreamChunk } from "../execute/execute.schemas.js";
import type { OpenAiChatCompletion, OpenAiChatRequest, OpenAiMessage } from "./openai.schemas.js";

/**
 * Reads an OpenAI `model` as the gateway names models: `provider/model` when the first segment is
 * a provider of the org (`anthropic/claude-3-5-haiku-latest`, `huggingface/meta-llama/Llama-3.1-8B-Instruct`),
 * a provider id alone (its default model), or else a model of the org's default provider.
 */
export function resolveModelName(name: string, providers: ReadonlySet<string>): { provider?: string; model?: string } {
  if (providers.has(name)) return { provider: name };
  const slash = name.indexOf("/");
  if (slash > 0 && providers.has(name.slice(0, slash)) && slash < name.length - 1) return { provider: name.slice(0, slash), model: name.slice(slash + 1) };
  return { model: name };
}

function text(content: OpenAiMessage["content"], where: string): string | null {
  if (content === undefined || content === null) return null;
  if (typeof content === "string") return content;
  return content
    .map((part, i) => {
      if (part.type !== "text" || typeof (part as { text?: unknown }).text !== "string") throw new AppError("bad_request", `only text content parts are supported (${where}.content.${i} is ${part.type})`, { category: "invalid_request" });
      return (part as { text: string }).text;
    })
    .join("");
}

/** An OpenAI chat request → the gateway's chat params. `developer` messages are system messages. */
export function chatParamsFromOpenAi(body: OpenAiChatRequest): ChatParams {
  const messages: ChatMessage[] = body.messages.map((m, i) => {
    const content = text(m.content, `messages.${i}`);
    if (m.role === "tool") return { role: "tool", content: content ?? "", toolCallId: m.tool_call_id ?? "" };
    if (m.role === "assistant") {
      return {
        role: "assistant",
        content,
        ...(m.name ? { name: m.name } : {}),
        ...(m.tool_calls?.length ? { toolCalls: m.tool_calls.map((c) => ({ id: c.id, type: "function" as const, name: c.function.name, arguments: c.function.arguments })) } : {}),
      };
    }
    return { role: m.role === "developer" ? "system" : m.role, content: content ?? "", ...(m.name ? { name: m.name } : {}) };
  });
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const choice = body.tool_choice;
  return {
    messages,
    ...(body.tools?.length ? { tools: body.tools.map((t) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), ...(t.function.parameters ? { parameters: t.function.parameters } : {}) })) } : {}),
    ...(choice ? { toolChoice: typeof choice === "string" ? choice : { name: choice.function.name } } : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    ...(maxTokens != null ? { maxTokens } : {}),
    ...(body.stop != null ? { stop: typeof body.stop === "string" ? [body.stop] : body.stop } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
  };
}

/**
 * The normalized finish reason as OpenAI clients know it: a cancelled or failed generation reports
 * `stop` (OpenAI has no such reason; typed clients would reject one).
 */
export function openAiFinishReasonOf(reason: FinishReason | null): string {
  return reason === "length" || reason === "tool_calls" || reason === "content_filter" ? reason : "stop";
}

/** The model id the gateway reports: `provider/model`. */
export function gatewayModelName(provider: string, model: string): string {
  return `${provider}/${model}`;
}

/** A normalized chat response → OpenAI's `chat.completion`. */
export function toOpenAiCompletion(response: NormalizedResponse): OpenAiChatCompletion {
  return {
    id: `chatcmpl-${response.id}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: gatewayModelName(response.provider, response.model),
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: response.content,
          refusal: null,
          ...(response.toolCalls.length ? { tool_calls: response.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
        },
        finish_reason: openAiFinishReasonOf(response.finishReason),
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: response.usage.promptTokens, completion_tokens: response.usage.completionTokens, total_tokens: response.usage.totalTokens },
  };
}

/**
 * Normalized stream chunks → OpenAI `chat.completion.chunk` payloads (the first delta carries the
 * role; `done` becomes the finish chunk, then a usage chunk when `include_usage` was asked; an
 * `error` becomes `{"error": …}`, which OpenAI clients raise).
 */
export function toOpenAiChunks(chunk: StreamChunk, state: { created: number; roleSent: boolean }, includeUsage: boolean): unknown[] {
  const base = { id: `chatcmpl-${chunk.id}`, object: "chat.completion.chunk" as const, created: state.created, model: gatewayModelName(chunk.provider, chunk.model) };
  const out: unknown[] = [];
  const role = () => {
    if (state.roleSent) return {};
    state.roleSent = true;
    return { role: "assistant" as const };
  };
  if (chunk.type === "delta") {
    out.push({
      ...base,
      choices: [
        {
          index: 0,
          delta: {
            ...role(),
            ...(chunk.content !== undefined ? { content: chunk.content } : {}),
            ...(chunk.toolCalls?.length
              ? {
                  tool_calls: chunk.toolCalls.map((c) => ({
                    index: c.index,
                    ...(c.id ? { id: c.id, type: "function" as const } : {}),
                    function: { ...(c.name ? { name: c.name } : {}), ...(c.arguments !== undefined ? { arguments: c.arguments } : {}) },
                  })),
                }
              : {}),
          },
          finish_reason: null,
          logprobs: null,
        },
      ],
    });
  } else if (chunk.type === "done") {
    out.push({ ...base, choices: [{ index: 0, delta: { ...role() }, finish_reason: openAiFinishReasonOf(chunk.finishReason), logprobs: null }] });
    if (includeUsage) out.push({ ...base, choices: [], usage: { prompt_tokens: chunk.usage.promptTokens, completion_tokens: chunk.usage.completionTokens, total_tokens: chunk.usage.totalTokens } });
  } else {
    out.push({ error: { code: chunk.error.code, message: chunk.error.message, details: { category: chunk.error.category } } });
  }
  return out;
}

/** A float vector as OpenAI's base64 embedding encoding (little-endian float32). */
export function base64Embedding(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
  return buffer.toString("base64");
}
