/** Actions: parameter schemas, `onError` policies, publish-time checks and the executor over {@link ActionEffects}. */
export { ACTION_TYPES, ACTION_PARAM_SCHEMAS, ACTION_LITERAL_KEYS, Action, OnError, ParallelParams, LoopParams, ConditionParams, retryDelayMs } from "./schemas.js";
export type { ActionType, ActionOf, ActionParamsMap } from "./schemas.js";
export {
  AssistantRouteParams, CodeToolInvokeParams, ContextOp, ContextUpdateParams, HandoffCreateParams, LlmInvokeParams, MessageSendParams,
  ServiceCallParams, StateTransitionParams, VarName, WaitParams, WebhookCallParams, WorkspaceCreateParams, WorkspaceDestroyParams,
} from "./params.js";
export { checkAction, checkActionList, savedName, validateActions } from "./validate.js";
export type { ActionCheckScope } from "./validate.js";
export { executeActions, runAction, runSequence } from "./executor.js";
export type { ExecutionResult, ActionOutcome } from "./executor.js";
export { applyContextOps } from "./handlers.js";
export { ActionError, ActionFailure, Run, RunCancelled, MAX_CONTEXT_BYTES, defaultSleep, toActionError } from "./runtime.js";
export type { ActionRecord, ActionScopeInput, ExecuteOptions, Frame, RunConversation } from "./runtime.js";
export { toolEffectsFromCodeTools } from "./effects.js";
export type {
  ActionEffects, EffectContext, LlmMessage, LlmModelSettings, LlmInvokeRequest, LlmInvokeResult, SendMessageRequest, ServiceCallRequest,
  WebhookCallRequest, HttpResult, HandoffRequest, RouteRequest, StateTransitionRequest, ContextUpdateRequest,
} from "./effects.js";
