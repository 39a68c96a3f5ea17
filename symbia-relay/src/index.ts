export { NodeId, EntityId, EventId, EventType, RunId, TraceId, OrgId, JsonValue, isEntityId, newEventId } from "./ids.js";
export {
  BOUNDARIES,
  Boundary,
  DATA_CLASSES,
  DataClass,
  PRINCIPAL_TYPES,
  ActingPrincipal,
  IsoTimestamp,
  UnsignedEnvelope,
  SignedEnvelope,
  Signature,
  createEnvelope,
} from "./envelope.js";
export type { EnvelopeInput } from "./envelope.js";
export { deriveNodeKey, encodeNodeKey, decodeNodeKey, MIN_NETWORK_SECRET_BYTES, NODE_KEY_BYTES, NODE_KEY_SALT } from "./keys.js";
export { canonicalEnvelope, computeSignature, signEnvelope, signatureMatches } from "./signing.js";
export { ReplayCache, replayKey } from "./replay.js";
export type { ReplayCacheOptions, ReplayCheck, ReplayCacheStats } from "./replay.js";
export { verifyEnvelope, VERIFY_FAILURE_REASONS, DEFAULT_MAX_AGE_MS, DEFAULT_MAX_FUTURE_MS, DEFAULT_MAX_ENVELOPE_BYTES } from "./verify.js";
export type { VerifyFailureReason, VerifyResult, VerifyOptions, KeyResolver } from "./verify.js";
export { ListQuery, pageOf, DataPath } from "./wire/common.js";
export type { Page } from "./wire/common.js";
export {
  NODE_TYPES,
  NodeType,
  NODE_STATUSES,
  NodeStatus,
  NodeCapability,
  RegisterNodeBody,
  Node,
  NodeRegistered,
  HeartbeatBody,
  BindEntityBody,
  EntityBinding,
  NodeDetail,
} from "./wire/nodes.js";
export { ContractEndpoint, EventTypePattern, ContractTerms, CreateContractBody, CONTRACT_ORIGINS, Contract } from "./wire/contracts.js";
export {
  POLICY_FIELDS,
  PolicyField,
  CONDITION_OPERATORS,
  MAX_REGEX_LENGTH,
  PolicyCondition,
  TransformOperation,
  LOG_LEVELS,
  PolicyAction,
  POLICY_PRIORITY,
  PolicyTerms,
  CreatePolicyBody,
  UpdatePolicyBody,
  Policy,
} from "./wire/policies.js";
export type { ConditionOperator, PolicyActionType } from "./wire/policies.js";
export {
  DECISION_OUTCOMES,
  DECISION_REASON_CODES,
  STEP_ACTIONS,
  STEP_OUTCOMES,
  DecisionStep,
  PolicyLogEntry,
  Decision,
  SimulatedEvent,
  SimulateBody,
  PolicyTestBody,
} from "./wire/decision.js";
export type { DecisionOutcome, DecisionReasonCode, StepAction, StepOutcome } from "./wire/decision.js";
export {
  TRACE_STATUSES,
  TraceStatus,
  HOP_ACTIONS,
  TraceHop,
  EventTrace,
  EventRecord,
  ListEventsQuery,
  EventStats,
  TopologyEdge,
  Topology,
} from "./wire/traces.js";
export type { HopAction } from "./wire/traces.js";
export { UpdateContractBody } from "./wire/contracts.js";
export {
  INGRESS_REJECTION_REASONS,
  EventVerdict,
  TOPOLOGY_CHANGES,
  TopologyChange,
  WatchBody,
  WatchSnapshot,
  FlowStep,
  RunFlow,
  ServiceHealth,
  PlatformHealth,
} from "./wire/ingress.js";
export type { IngressRejectionReason } from "./wire/ingress.js";
export { connectRelay } from "./client/client.js";
export type { ConnectRelayOptions, EmitOptions, EmitResult, RelayClient, RelayCredentials, RelayLogger, RelayStatus, DeliveryAck } from "./client/client.js";
export { defineHandler, resolveHandler } from "./client/handlers.js";
export type { RelayHandler, RelayHandlerContext, ReceivedEvent } from "./client/handlers.js";
export { Outbox } from "./client/outbox.js";
export { eventTypeMatchesPattern } from "./client/patterns.js";
