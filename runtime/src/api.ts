// Runtime's wire schemas and types (ARCHITECTURE §2: services without a client library export
// theirs from an `api` sub-path: schemas and types only, no engine code).
export { GraphDefinition, GraphEdge, GraphNode, NodeId, OnError, PortRef, GRAPH_LIMITS, GraphKey, GraphVersion, ValidateGraphBody, GraphValidation } from "./graphs/graph.schemas.js";
export type { GraphDefinitionInput } from "./graphs/graph.schemas.js";
export { ComponentManifest, PortSpec, PortName, ERROR_PORT, ERROR_PORT_SCHEMA } from "./components/manifest.js";
export { JsonSchemaSchema } from "./components/json-schema.js";
export type { JsonSchema } from "./components/json-schema.js";
export { EXECUTION_STATES, TRANSITIONS } from "./executions/execution.states.js";
export type { ExecutionState } from "./executions/execution.states.js";
export { ExecutionOptionsInput } from "./executions/execution.options.js";
export {
  CreateExecutionInput,
  ListExecutionsInput,
  CreateExecutionBody,
  ExecutionViewSchema,
  ExecutionErrorSchema,
  ExecutionMetricsSchema,
  NodeMetricsSchema,
  ExecutionPage,
  OutputRecordSchema,
  OutputsQuery,
  OutputPage,
  InjectBody,
  InjectQuery,
  InjectAccepted,
} from "./executions/executions.schemas.js";
export type { ExecutionView } from "./executions/executions.schemas.js";
export { MONITOR_EVENTS, WatchPayload, WatchResult } from "./monitoring/monitoring.schemas.js";
export { PublishedResource, PublishReport } from "./components/components.schemas.js";
export type { ExecutionMetrics, NodeMetrics } from "./executions/execution.metrics.js";
export type {
  ExecutionError,
  ExecutionEventMap,
  ExecutionEventName,
  StateEvent,
  ProgressEvent,
  EmissionEvent,
  OutputEvent,
  BackpressureEvent,
  NodeErrorEvent,
} from "./executions/execution.events.js";
export type { InjectResult, InjectTarget } from "./executions/execution.types.js";
export type { OutputRecord } from "./executions/output-buffer.js";
export type { GraphIssue, ValueIssue } from "./errors.js";
