/**
 * The models service's wire schemas (zod) and types, for its clients (the integrations gateway's
 * `symbia-labs` provider): `@symbia/models-service/api`. Schemas and types only; importing this
 * starts nothing.
 */
export { LoadModelBody, ModelId, ModelInfo, ModelList, ModelRuntime, ModelStatus } from "./models/models.schemas.js";
export {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  EmbeddingRequest,
  EmbeddingResponse,
  OpenAiModel,
  OpenAiModelList,
  Usage,
} from "./openai/openai.schemas.js";
