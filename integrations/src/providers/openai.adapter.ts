import OpenAI from "openai";
import type { ChatParams, ToolCall } from "../execute/execute.schemas.js";
import { openAiFinishReason, promptAsChat, type AdapterEvent, type AdapterResult, type ProviderAdapter, type ProviderRequest } from "./provider.js";

/** OpenAI's API root, used when neither configuration nor credential names another. */
export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

type Messages = OpenAI.Chat.Completions.ChatCompletionMessageParam[];

/**
 * The client for one call. The SDK's own retries are off (the gateway retries, with its breaker
 * and budget accounting) and its timeout is left long: the gateway's abort signal bounds the call.
 * Key and base URL are always explicit so the SDK never falls back to `OPENAI_*` variables.
 */
function client(request: ProviderRequest<unknown>): OpenAI {
  return new OpenAI({
    // A server without auth (a local llama-server, Ollama): the SDK insists on a key, so it gets a
    // placeholder and the Authorization header is removed.
    apiKey: request.apiKey ?? "no-key",
    baseURL: request.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: 24 * 3600_000,
    defaultHeaders: { ...request.headers, ...(request.apiKey ? {} : { authorization: null }) },
  });
}

/** Normalized chat params → the Chat Completions request body (without `model` and `stream`). */
export function toOpenAiChat(params: ChatParams) {
  const messages: Messages = params.messages.map((m) => {
    if (m.role === "tool") return { role: "tool", content: m.content ?? "", tool_call_id: m.toolCallId! };
    if (m.role === "assistant") {
      return {
        role: "assistant",
        content: m.content,
        ...(m.name ? { name: m.name } : {}),
        ...(m.toolCalls?.length ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
      };
    }
    return { role: m.role, content: m.content ?? "", ...(m.name ? { name: m.name } : {}) };
  });
  const toolChoice = params.toolChoice;
  return {
    messages,
    ...(params.tools?.length
      ? { tools: params.tools.map((t) => ({ type: "function" as const, function: { name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.parameters ? { parameters: t.parameters } : {}) } })) }
      : {}),
    ...(toolChoice ? { tool_choice: typeof toolChoice === "string" ? toolChoice : { type: "function" as const, function: { name: toolChoice.name } } } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined ? { top_p: params.topP } : {}),
    ...(params.maxTokens !== undefined ? { max_tokens: params.maxTokens } : {}),
    ...(params.stop?.length ? { stop: params.stop } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
  };
}

/** Tool calls of an OpenAI-format message, normalized (function calls only). */
export function openAiToolCalls(calls: readonly { id?: string; type?: string; function?: { name?: string; arguments?: string } }[] | null | undefined): ToolCall[] {
  return (calls ?? []).filter((c) => (c.type ?? "function") === "function" && c.function?.name).map((c) => ({ id: c.id ?? "", type: "function" as const, name: c.function!.name!, arguments: c.function!.arguments ?? "" }));
}

/** A Chat Completions answer, normalized. Also used for Hugging Face's OpenAI-compatible chat. */
export function fromOpenAiCompletion(res: {
  id?: string;
  model?: string;
  choices: { message?: { content?: string | null; tool_calls?: { id?: string; type?: string; function?: { name?: string; arguments?: string } }[] | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
}, model: string): AdapterResult {
  const choice = res.choices[0];
  const usage = res.usage
    ? { promptTokens: res.usage.prompt_tokens ?? 0, completionTokens: res.usage.completion_tokens ?? 0, totalTokens: res.usage.total_tokens ?? (res.usage.prompt_tokens ?? 0) + (res.usage.completion_tokens ?? 0) }
    : null;
  return {
    providerRequestId: res.id ?? null,
    model: res.model || model,
    content: choice?.message?.content ?? null,
    toolCalls: openAiToolCalls(choice?.message?.tool_calls),
    finishReason: openAiFinishReason(choice?.finish_reason),
    usage,
  };
}

/** Chat Completions stream chunks → normalized events. Also used for Hugging Face's stream. */
export async function* fromOpenAiStream(chunks: AsyncIterable<{
  id?: string;
  model?: string;
  choices?: { delta?: { content?: string | null; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}>): AsyncGenerator<AdapterEvent> {
  let first = true;
  for await (const chunk of chunks) {
    if (first) {
      first = false;
      yield { type: "meta", ...(chunk.id ? { providerRequestId: chunk.id } : {}), ...(chunk.model ? { model: chunk.model } : {}) };
    }
    const choice = chunk.choices?.[0];
    const delta = choice?.delta;
    const toolCalls = delta?.tool_calls?.map((c, i) => ({
      index: c.index ?? i,
      ...(c.id ? { id: c.id } : {}),
      ...(c.function?.name ? { name: c.function.name } : {}),
      ...(c.function?.arguments ? { arguments: c.function.arguments } : {}),
    }));
    if (delta?.content || toolCalls?.length) yield { type: "delta", ...(delta?.content ? { content: delta.content } : {}), ...(toolCalls?.length ? { toolCalls } : {}) };
    const finish = openAiFinishReason(choice?.finish_reason);
    if (finish) yield { type: "finish", finishReason: finish };
    if (chunk.usage) yield { type: "usage", promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
  }
}

/**
 * OpenAI's Chat Completions and Embeddings through the official `openai` SDK — and therefore any
 * OpenAI-compatible server (vLLM, llama-server, Ollama, the models service) given its base URL.
 * Text generation is a one-message chat. Streams ask for `stream_options.include_usage`, so usage
 * arrives in the last chunk.
 */
export function openAiAdapter(): ProviderAdapter {
  const adapter: ProviderAdapter = {
    async chat(request) {
      const res = await client(request).chat.completions.create({ model: request.model, ...toOpenAiChat(request.params), stream: false }, { signal: request.signal });
      return fromOpenAiCompletion(res, request.model);
    },
    async *chatStream(request) {
      const stream = await client(request).chat.completions.create(
        { model: request.model, ...toOpenAiChat(request.params), stream: true, stream_options: { include_usage: true } },
        { signal: request.signal },
      );
      yield* fromOpenAiStream(stream);
    },
    generate: (request) => adapter.chat({ ...request, params: promptAsChat(request.params) }),
    generateStream: (request) => adapter.chatStream({ ...request, params: promptAsChat(request.params) }),
    async embeddings(request) {
      const res = await client(request).embeddings.create(
        { model: request.model, input: request.params.input, ...(request.params.dimensions ? { dimensions: request.params.dimensions } : {}) },
        { signal: request.signal },
      );
      const data = [...res.data].sort((a, b) => a.index - b.index);
      return {
        providerRequestId: null,
        model: res.model || request.model,
        content: null,
        toolCalls: [],
        finishReason: null,
        embeddings: data.map((d) => d.embedding as number[]),
        usage: { promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: 0, totalTokens: res.usage?.total_tokens ?? res.usage?.prompt_tokens ?? 0 },
      };
    },
  };
  return adapter;
}
