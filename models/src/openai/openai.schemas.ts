/**
 * The OpenAI-compatible wire format (Chat Completions, Embeddings, Models) as this service accepts
 * and answers it. Field names are OpenAI's (snake_case), so any OpenAI client library works.
 * Reference: OpenAI API reference, "Chat", "Embeddings", "Models".
 */
import { z } from "zod";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const OtherPart = z.object({ type: z.string() }).loose();

/** One message of a conversation. Text only: image and audio parts are refused with 400. */
export const ChatMessage = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(z.union([TextPart, OtherPart])), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.unknown()).optional(),
  tool_call_id: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** `POST /v1/chat/completions` body. Unknown fields are ignored, as OpenAI-compatible servers do. */
export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1),
    messages: z.array(ChatMessage).min(1),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    seed: z.number().int().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    n: z.number().int().min(1).nullish(),
    tools: z.array(z.unknown()).nullish(),
    tool_choice: z.unknown().optional(),
    response_format: z.object({ type: z.string() }).loose().nullish(),
    user: z.string().optional(),
  })
  .meta({ id: "ChatCompletionRequest" });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** Token counts of a request. */
export const Usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });

/** `POST /v1/chat/completions` answer when not streamed. */
export const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
        finish_reason: z.enum(["stop", "length"]),
        logprobs: z.null(),
      }),
    ),
    usage: Usage,
  })
  .meta({ id: "ChatCompletion" });
export type ChatCompletion = z.infer<typeof ChatCompletion>;

/** One Server-Sent Event `data:` payload of a streamed completion (then `data: [DONE]`). */
export const ChatCompletionChunk = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion.chunk"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
        finish_reason: z.enum(["stop", "length"]).nullable(),
        logprobs: z.null(),
      }),
    ),
    usage: Usage.nullable().optional(),
  })
  .meta({ id: "ChatCompletionChunk" });
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

/** `POST /v1/embeddings` body. Token-id inputs are refused with 400. */
export const EmbeddingRequest = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.string()).min(1).max(2048), z.array(z.number()), z.array(z.array(z.number()))]),
    encoding_format: z.enum(["float", "base64"]).optional(),
    dimensions: z.number().int().positive().optional(),
    user: z.string().optional(),
  })
  .meta({ id: "EmbeddingRequest" });
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

/** `POST /v1/embeddings` answer; with `encoding_format: "base64"` each vector is little-endian float32 bytes in base64. */
export const EmbeddingResponse = z
  .object({
    object: z.literal("list"),
    data: z.array(z.object({ object: z.literal("embedding"), index: z.number().int(), embedding: z.union([z.array(z.number()), z.string()]) })),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .meta({ id: "EmbeddingResponse" });
export type EmbeddingResponse = z.infer<typeof EmbeddingResponse>;

/** One entry of `GET /v1/models`. */
export const OpenAiModel = z.object({ id: z.string(), object: z.literal("model"), created: z.number().int(), owned_by: z.string() }).meta({ id: "OpenAiModel" });
export type OpenAiModel = z.infer<typeof OpenAiModel>;

/** `GET /v1/models`. */
export const OpenAiModelList = z.object({ object: z.literal("list"), data: z.array(OpenAiModel) }).meta({ id: "OpenAiModelList" });
