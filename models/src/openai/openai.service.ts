import { randomUUID } from "node:crypto";
import { validationError, type ValidationIssue } from "@symbia/http";
import { AppError } from "@symbia/sys";
import type { ModelsSettings } from "../config.js";
import type { ModelManager } from "../models/models.service.js";
import type { WorkerChatMessage, WorkerChatResult, WorkerGenerateOptions } from "../worker/protocol.js";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatMessage, EmbeddingRequest, EmbeddingResponse, OpenAiModel } from "./openai.schemas.js";

/** Who owns the models in `GET /v1/models`: the platform's local inference. */
export const OWNED_BY = "symbia-labs";

const unsupported = (path: string, message: string): ValidationIssue => ({ path: `body.${path}`, message, code: "unsupported" });

/**
 * Flattens OpenAI messages to the worker's text messages: `developer` counts as `system`; text parts
 * are joined with newlines.
 *
 * @throws AppError `validation_failed` for tool messages and tool calls, non-text content parts, or
 * a conversation without any content.
 */
export function toWorkerMessages(messages: ChatMessage[]): WorkerChatMessage[] {
  const issues: ValidationIssue[] = [];
  const out = messages.map((m, i): WorkerChatMessage => {
    if (m.role === "tool") issues.push(unsupported(`messages.${i}.role`, "tool messages are not supported by the models service"));
    if (m.tool_calls?.length) issues.push(unsupported(`messages.${i}.tool_calls`, "tool calls are not supported by the models service"));
    let content = "";
    if (typeof m.content === "string") content = m.content;
    else if (Array.isArray(m.content)) {
      content = m.content
        .map((part, j) => {
          if (part.type === "text" && typeof part.text === "string") return part.text;
          issues.push(unsupported(`messages.${i}.content.${j}.type`, `content parts of type ${part.type} are not supported (text only)`));
          return "";
        })
        .join("\n");
    }
    const role = m.role === "developer" ? "system" : m.role === "tool" ? "user" : m.role;
    return { role, content };
  });
  if (issues.length) throw validationError(issues);
  return out;
}

/**
 * Sampling settings from an OpenAI request, with OpenAI's defaults (temperature 1, top_p 1, no
 * penalties) and the service's default completion limit.
 *
 * @throws AppError `validation_failed` for `n` > 1, tools, or a response format other than text.
 */
export function generateOptions(body: ChatCompletionRequest, settings: Pick<ModelsSettings, "defaultMaxTokens">): WorkerGenerateOptions {
  const issues: ValidationIssue[] = [];
  if ((body.n ?? 1) > 1) issues.push(unsupported("n", "only n = 1 is supported"));
  if (body.tools?.length) issues.push(unsupported("tools", "tools are not supported by the models service"));
  if (body.response_format && body.response_format.type !== "text") issues.push(unsupported("response_format.type", "only the text response format is supported"));
  if (issues.length) throw validationError(issues);
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
  return {
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? settings.defaultMaxTokens,
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    ...(body.seed !== undefined && body.seed !== null ? { seed: body.seed } : {}),
    stop: stop.filter((s) => s.length > 0),
    ...(body.presence_penalty ? { presencePenalty: body.presence_penalty } : {}),
    ...(body.frequency_penalty ? { frequencyPenalty: body.frequency_penalty } : {}),
  };
}

function usageOf(result: WorkerChatResult) {
  return { prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens };
}

function finishOf(result: WorkerChatResult): "stop" | "length" {
  return result.finishReason === "length" ? "length" : "stop";
}

/** Runs a chat completion and answers it whole (`chat.completion`). A client that left gets nothing. */
export async function createChatCompletion(manager: ModelManager, body: ChatCompletionRequest, signal: AbortSignal): Promise<ChatCompletion> {
  const messages = toWorkerMessages(body.messages);
  const options = generateOptions(body, manager.settings);
  const result = await manager.chat(body.model, messages, options, { signal });
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content: result.text, refusal: null }, finish_reason: finishOf(result), logprobs: null }],
    usage: usageOf(result),
  };
}

/** Where a streamed completion goes: `start` once a slot is granted, then one `send` per chunk. */
export interface ChunkSink {
  start(): void;
  send(chunk: ChatCompletionChunk): void;
}

/**
 * Sends items through `send` at most one per `intervalMs` (immediately when 0), in order.
 * `drained()` resolves once every queued item was sent, or at once after `signal` aborted (the
 * items still queued are dropped: nobody is listening).
 */
export function pacedSender<T>(send: (item: T) => void, intervalMs: number, signal: AbortSignal): { send(item: T): void; drained(): Promise<void> } {
  const queue: T[] = [];
  let lastSent = 0;
  let timer: NodeJS.Timeout | undefined;
  let onDrained: (() => void) | undefined;
  const pump = () => {
    timer = undefined;
    while (queue.length && !signal.aborted) {
      const wait = lastSent + intervalMs - Date.now();
      if (wait > 0) {
        timer = setTimeout(pump, wait);
        return;
      }
      send(queue.shift()!);
      lastSent = Date.now();
    }
    if (signal.aborted) queue.length = 0;
    onDrained?.();
  };
  signal.addEventListener("abort", () => {
    if (timer) clearTimeout(timer);
    pump();
  }, { once: true });
  return {
    send(item) {
      if (signal.aborted) return;
      queue.push(item);
      if (!timer) pump();
    },
    drained: () => (queue.length === 0 || signal.aborted ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve))),
  };
}

/**
 * Runs a chat completion as a stream of `chat.completion.chunk`s: a first chunk with the assistant
 * role, one per generated text piece, a last one with the finish reason, and (with
 * `stream_options.include_usage`) a usage chunk with no choices. Errors before the first chunk are
 * thrown (the caller answers them as JSON); a cancelled generation sends no final chunk.
 *
 * @returns The worker's result (`finishReason: "cancelled"` when the client left).
 */
export async function streamChatCompletion(manager: ModelManager, body: ChatCompletionRequest, signal: AbortSignal, sink: ChunkSink): Promise<WorkerChatResult> {
  const messages = toWorkerMessages(body.messages);
  const options = generateOptions(body, manager.settings);
  const includeUsage = body.stream_options?.include_usage === true;
  const base = { id: `chatcmpl-${randomUUID()}`, object: "chat.completion.chunk" as const, created: Math.floor(Date.now() / 1000), model: body.model, ...(includeUsage ? { usage: null } : {}) };
  const paced = pacedSender((chunk: ChatCompletionChunk) => sink.send(chunk), manager.settings.streamIntervalMs, signal);
  const result = await manager.chat(body.model, messages, options, {
    signal,
    onStart: () => {
      sink.start();
      sink.send({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }] });
    },
    onChunk: (text) => paced.send({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null, logprobs: null }] }),
  });
  await paced.drained();
  if (result.finishReason === "cancelled" || signal.aborted) return signal.aborted ? { ...result, finishReason: "cancelled" } : result;
  sink.send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finishOf(result), logprobs: null }] });
  if (includeUsage) sink.send({ ...base, choices: [], usage: usageOf(result) });
  return result;
}

/**
 * Embeds the input texts (`float` arrays, or `base64` of little-endian float32 bytes).
 *
 * @throws AppError `validation_failed` for token-id or empty inputs, or `dimensions` other than the
 * model's vector size; as {@link ModelManager.embed} otherwise.
 */
export async function createEmbeddings(manager: ModelManager, body: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResponse> {
  const input = typeof body.input === "string" ? [body.input] : body.input;
  if (!input.every((x): x is string => typeof x === "string")) throw validationError([unsupported("input", "token-id input is not supported; send text")]);
  const empty = input.findIndex((x) => x.length === 0);
  if (empty >= 0) throw validationError([{ path: typeof body.input === "string" ? "body.input" : `body.input.${empty}`, message: "input text must not be empty", code: "too_small" }]);
  const file = await manager.catalog.get(body.model);
  const size = file?.header?.embeddingLength;
  if (body.dimensions !== undefined && size && body.dimensions !== size) {
    throw validationError([unsupported("dimensions", `model ${body.model} makes vectors of ${size} dimensions and cannot shorten them`)]);
  }
  const result = await manager.embed(body.model, input, { signal });
  if (result.vectors.length < input.length) throw new AppError("unavailable", "embedding request cancelled");
  const base64 = body.encoding_format === "base64";
  return {
    object: "list",
    data: result.vectors.map((v, index) => ({
      object: "embedding" as const,
      index,
      embedding: base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : Array.from(v),
    })),
    model: body.model,
    usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
  };
}

/** `GET /v1/models`: every usable model of the directory. */
export async function listOpenAiModels(manager: ModelManager): Promise<OpenAiModel[]> {
  return (await manager.ids()).map((m) => ({ id: m.id, object: "model", created: Math.floor(m.createdAt.getTime() / 1000), owned_by: OWNED_BY }));
}
