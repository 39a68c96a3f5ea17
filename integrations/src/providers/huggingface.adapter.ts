import { InferenceClient } from "@huggingface/inference";
import type { FinishReason } from "../execute/execute.schemas.js";
import { ProviderError } from "./errors.js";
import { fromOpenAiCompletion, fromOpenAiStream, toOpenAiChat } from "./openai.adapter.js";
import { openAiFinishReason, type AdapterEvent, type ProviderAdapter, type ProviderRequest } from "./provider.js";
import type { GenerateParams } from "../execute/execute.schemas.js";

/** The Hugging Face router's `hf-inference` root, used when neither configuration nor credential names another. */
export const HUGGINGFACE_DEFAULT_BASE_URL = "https://router.huggingface.co/hf-inference";

/**
 * Where a model is served under a base URL, as `@huggingface/inference` itself routes `hf-inference`:
 * `<base>/models/<model>/v1` for chat (`/chat/completions`) and text generation (`/completions`),
 * `<base>/models/<model>/pipeline/feature-extraction` for embeddings. Passing it as `endpointUrl`
 * keeps the SDK from asking the Hub which provider serves the model (no network but the endpoint).
 */
export function huggingFaceEndpoint(baseUrl: string | undefined, model: string, operation: "chat" | "generate" | "embeddings"): string {
  const base = (baseUrl ?? HUGGINGFACE_DEFAULT_BASE_URL).replace(/\/+$/, "");
  return operation === "embeddings" ? `${base}/models/${model}/pipeline/feature-extraction` : `${base}/models/${model}/v1`;
}

function client(request: ProviderRequest<unknown>, operation: "chat" | "generate" | "embeddings"): InferenceClient {
  return new InferenceClient(request.apiKey ?? "", { endpointUrl: huggingFaceEndpoint(request.baseUrl, request.model, operation) });
}

/** Options of every call: the gateway's signal, and no SDK retry loop on 503 (the gateway retries). */
function options(request: ProviderRequest<unknown>) {
  return { signal: request.signal, retry_on_error: false };
}

function generationParameters(params: GenerateParams) {
  return {
    ...(params.maxTokens !== undefined ? { max_new_tokens: params.maxTokens } : {}),
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined ? { top_p: params.topP } : {}),
    ...(params.stop?.length ? { stop: params.stop } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
  };
}

/** Estimated tokens of a text (≈ 4 characters per token), for answers that report none. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Text-generation stream chunks: OpenAI completion chunks (`choices[0].text`) or TGI ones (`token.text`). */
async function* fromGenerationStream(chunks: AsyncIterable<unknown>): AsyncGenerator<AdapterEvent> {
  let first = true;
  for await (const raw of chunks) {
    const chunk = raw as {
      id?: string;
      model?: string;
      choices?: { text?: string; finish_reason?: string | null }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
      token?: { text?: string; special?: boolean };
      details?: { finish_reason?: string; generated_tokens?: number } | null;
    };
    if (first) {
      first = false;
      yield { type: "meta", ...(chunk.id ? { providerRequestId: chunk.id } : {}), ...(chunk.model ? { model: chunk.model } : {}) };
    }
    const text = chunk.choices?.[0]?.text ?? (chunk.token && !chunk.token.special ? chunk.token.text : undefined);
    if (text) yield { type: "delta", content: text };
    const finish: FinishReason | null = openAiFinishReason(chunk.choices?.[0]?.finish_reason ?? chunk.details?.finish_reason);
    if (finish) yield { type: "finish", finishReason: finish };
    if (chunk.usage) yield { type: "usage", promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
  }
}

/** Feature-extraction output → one vector per input (1-D for one text, 2-D for several). */
function vectors(output: unknown, inputs: number): number[][] {
  const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");
  if (isVector(output) && inputs === 1) return [output];
  if (Array.isArray(output) && output.length === inputs && output.every(isVector)) return output;
  throw new ProviderError("provider", "huggingface: feature extraction answered an unexpected shape (a pooled vector per input was expected)");
}

/**
 * Hugging Face Inference through the official `@huggingface/inference` SDK, on the `hf-inference`
 * routes (router, Inference Endpoints, or a TGI / text-embeddings-inference server at the base
 * URL): chat completion (whole and streamed, tools passed through), text generation (whole and
 * streamed), and feature extraction as embeddings. Text generation answers carry no token counts:
 * they are estimated and marked so.
 */
export function huggingFaceAdapter(): ProviderAdapter {
  return {
    async chat(request) {
      const res = await client(request, "chat").chatCompletion({ model: request.model, ...toOpenAiChat(request.params) } as never, options(request));
      return fromOpenAiCompletion(res as never, request.model);
    },
    async *chatStream(request) {
      const stream = client(request, "chat").chatCompletionStream({ model: request.model, ...toOpenAiChat(request.params), stream_options: { include_usage: true } } as never, options(request));
      yield* fromOpenAiStream(stream as never);
    },
    async generate(request) {
      const { prompt } = request.params;
      const res = await client(request, "generate").textGeneration({ model: request.model, inputs: prompt, parameters: generationParameters(request.params) }, options(request));
      const promptTokens = estimateTokens(prompt);
      const completionTokens = estimateTokens(res.generated_text);
      return {
        providerRequestId: null,
        model: request.model,
        content: res.generated_text,
        toolCalls: [],
        finishReason: "stop",
        usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, estimated: true },
      };
    },
    async *generateStream(request) {
      const stream = client(request, "generate").textGenerationStream({ model: request.model, inputs: request.params.prompt, parameters: generationParameters(request.params) }, options(request));
      yield* fromGenerationStream(stream);
    },
    async embeddings(request) {
      const input = request.params.input;
      const texts = Array.isArray(input) ? input : [input];
      const output = await client(request, "embeddings").featureExtraction({ model: request.model, inputs: input }, options(request));
      const promptTokens = texts.reduce((n, t) => n + estimateTokens(t), 0);
      return {
        providerRequestId: null,
        model: request.model,
        content: null,
        toolCalls: [],
        finishReason: null,
        embeddings: vectors(output, texts.length),
        usage: { promptTokens, completionTokens: 0, totalTokens: promptTokens, estimated: true },
      };
    },
  };
}
