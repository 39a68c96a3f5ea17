/**
 * The integrations gateway's wire schemas (zod) and types, for its clients (assistants, logging,
 * messaging): `@symbia/integrations-service/api`. Schemas and types only; importing this starts
 * nothing (ARCHITECTURE §2).
 */
export {
  OPERATIONS,
  Operation,
  ERROR_CATEGORIES,
  ErrorCategory,
  ProviderId,
  FinishReason,
  ToolCall,
  ChatMessage,
  ToolDefinition,
  ToolChoice,
  ChatParams,
  EmbeddingsParams,
  GenerateParams,
  ProviderRef,
  OnBehalfOf,
  ExecuteRequest,
  Usage,
  Attempt,
  NormalizedResponse,
  ToolCallDelta,
  StreamError,
  StreamChunk,
  CancelRunResponse,
  ProviderInfo,
} from "./execute/execute.schemas.js";
export type { ExecuteRequestInput } from "./execute/execute.schemas.js";
export { UsageQuery, UsageBucket, UsagePage, UsageRecord, UsageRecordsQuery, UsageRecordPage, Budget, PutBudgetBody } from "./usage/usage.schemas.js";
