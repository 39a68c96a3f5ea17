/**
 * The OpenAI wire format the gateway's `/v1` routes accept and answer (OpenAI API reference:
 * "Chat", "Embeddings", "Models"), snake_case as OpenAI writes it, so any OpenAI client library
 * can use the gateway. Unknown fields are ignored, as OpenAI-compatible servers do.
 */
import { z } from "zod";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const OtherPart = z.object({ type: z.string() }).loose();

const OpenAiToolCall = z.object({ id: z.string(), type: z.literal("function").default("function"), function: z.object({ name: z.string(), arguments: z.string() }) });

/** One message of an OpenAI chat request. */
export const OpenAiMessage = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: z.union([z.string(), z.array(z.union([TextPart, OtherPart])), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(OpenAiToolCall).nullish(),
    tool_call_id: z.string().optional(),
  })
  .loose();
export type OpenAiMessage = z.infer<typeof OpenAiMessage>;

/** `POST /v1/chat/completions` body. `model` is `provider/model`, a provider id, or a model of the default provider. */
export const OpenAiChatRequest = z
  .object({
    model: z.string().min(1).max(300),
    messages: z.array(OpenAiMessage).min(1).max(2000),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
    max_tokens: z.int().positive().nullish(),
    max_completion_tokens: z.int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    seed: z.int().nullish(),
    n: z.literal(1).nullish(),
    tools: z
      .array(z.object({ type: z.literal("function"), function: z.object({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }).loose() }))
      .nullish(),
    tool_choice: z.union([z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) })]).nullish(),
    user: z.string().optional(),
  })
  .loose()
  .meta({ id: "OpenAiChatRequest" });
export type OpenAiChatRequest = z.infer<typeof OpenAiChatRequest>;

const OpenAiUsage = z.object({ prompt_tokens: z.int(), completion_tokens: z.int(), total_tokens: z.int() });

/** `POST /v1/chat/completions` answer when not streamed. */
export const OpenAiChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.int(),
        message: z.object({ role: z.literal("assistant"), content: z.string().nullable(), refusal: z.null(), tool_calls: z.array(OpenAiToolCall).optional() }),
        finish_reason: z.string(),
        logprobs: z.null(),
      }),
    ),
    usage: OpenAiUsage,
  })
  .meta({ id: "OpenAiChatCompletion" });
export type OpenAiChatCompletion = z.infer<typeof OpenAiChatCompletion>;

/** `POST /v1/embeddings` body (token-id inputs are refused). */
export const OpenAiEmbeddingRequest = z
  .object({
    model: z.string().min(1).max(300),
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048)]),
    encoding_format: z.enum(["float", "base64"]).optional(),
    dimensions: z.int().positive().optional(),
    user: z.string().optional(),
  })
  .loose()
  .meta({ id: "OpenAiEmbeddingRequest" });
export type OpenAiEmbeddingRequest = z.infer<typeof OpenAiEmbeddingRequest>;

/** `POST /v1/embeddings` answer; `base64` vectors are little-endian float32. */
export const OpenAiEmbeddingResponse = z
  .object({
    object: z.literal("list"),
    data: z.array(z.object({ object: z.literal("embedding"), index: z.int(), embedding: z.union([z.array(z.number()), z.string()]) })),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.int(), total_tokens: z.int() }),
  })
  .meta({ id: "OpenAiEmbeddingResponse" });

/** `GET /v1/models`: `provider/model` ids. */
export const OpenAiModelList = z
  .object({ object: z.literal("list"), data: z.array(z.object({ id: z.string(), object: z.literal("model"), created: z.int(), owned_by: z.string() })) })
  .meta({ id: "OpenAiModelList" });
