import { z } from "zod";
import { GraphSourceFields, refineGraphSource } from "../graphs/graph.schemas.js";
import { ExecutionOptionsInput } from "./execution.options.js";
import { EXECUTION_STATES } from "./execution.states.js";

/** Body of a create request: a graph definition (posted or read from catalog) and options. */
export const CreateExecutionInput = z.object({
  graph: z.unknown(),
  /** Catalog reference of the graph (`graphs/<name>@<version>`), when it came from catalog. */
  graphRef: z.string().min(1).max(300).optional(),
  options: ExecutionOptionsInput.optional(),
});
export type CreateExecutionInput = z.infer<typeof CreateExecutionInput>;

/** Query of a list request. */
export const ListExecutionsInput = z.object({
  state: z.enum(EXECUTION_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
export type ListExecutionsInput = z.input<typeof ListExecutionsInput>;

/** Why an execution failed (wire form of `ExecutionError`). */
export const ExecutionErrorSchema = z.object({ code: z.string(), message: z.string(), node: z.string().optional(), port: z.string().optional() }).meta({ id: "ExecutionError" });

/** What REST and socket callers see of an execution. Times are ISO 8601 UTC. */
export const ExecutionViewSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    state: z.enum(EXECUTION_STATES),
    /** Catalog reference (`graphs/<name>@<version>`) when the graph came from catalog. */
    graphRef: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    error: ExecutionErrorSchema.nullable(),
    /** Node ids in execution (topological) order. */
    order: z.array(z.string()),
    /** Where values can be injected (`node.port`). */
    openInputs: z.array(z.string()),
    /** Where outputs come from (`node.port`). */
    openOutputs: z.array(z.string()),
    /** True once input was closed; the execution completes when drained. */
    inputEnded: z.boolean(),
  })
  .meta({ id: "Execution" });
export type ExecutionView = z.infer<typeof ExecutionViewSchema>;

/** Counters of one node (wire form of `NodeMetrics`); latencies are `receive` times in ms. */
export const NodeMetricsSchema = z
  .object({
    node: z.string(),
    component: z.string(),
    messagesIn: z.int(),
    messagesOut: z.int(),
    errors: z.int(),
    queueDepth: z.int(),
    maxQueueDepth: z.int(),
    latencyMs: z.object({ count: z.int(), total: z.number(), avg: z.number(), max: z.number(), last: z.number() }),
  })
  .meta({ id: "NodeMetrics" });

/** Counters of one execution (wire form of `ExecutionMetrics`). */
export const ExecutionMetricsSchema = z
  .object({
    executionId: z.string(),
    state: z.string(),
    inputsAccepted: z.int(),
    inputsRefused: z.int(),
    inputsWaited: z.int(),
    inputsDiscarded: z.int(),
    queue: z.object({ depth: z.int(), bytes: z.int(), capacity: z.int(), byteLimit: z.int(), maxDepth: z.int(), maxBytes: z.int(), waiting: z.int() }),
    outputs: z.int(),
    outputsEvicted: z.int(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    nodes: z.array(NodeMetricsSchema),
  })
  .meta({ id: "ExecutionMetrics" });

/** A value that reached an open output port. */
export const OutputRecordSchema = z.object({ index: z.int(), node: z.string(), port: z.string(), value: z.unknown() }).meta({ id: "ExecutionOutput" });

/** One page of executions. */
export const ExecutionPage = z.object({ items: z.array(ExecutionViewSchema), nextCursor: z.string().nullable() });

/** Query of the outputs route: outputs after index `cursor` (exclusive), `limit` at a time. */
export const OutputsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "a cursor is the index of the last output seen")
    .optional(),
});
export type OutputsQuery = z.infer<typeof OutputsQuery>;

/** One page of kept outputs, oldest first (older ones past the bounds are evicted; metrics count them). */
export const OutputPage = z.object({ items: z.array(OutputRecordSchema), nextCursor: z.string().nullable() });

/** Body of `POST /api/executions`: a graph (posted, or `graphRef` + `version` from catalog), options, and whether to start at once. */
export const CreateExecutionBody = z
  .object({
    ...GraphSourceFields,
    /** Queue bound, output bounds, retry hint, metrics period, emission sampling (bounded). */
    options: ExecutionOptionsInput.optional(),
    /** Start right after creating (pending → running). */
    start: z.boolean().default(false),
  })
  .superRefine(refineGraphSource);
export type CreateExecutionBody = z.infer<typeof CreateExecutionBody>;

/** Body of an inject request: the input node, its port (optional when it has one open input) and the value. */
export const InjectBody = z
  .object({
    node: z.string().min(1).max(64),
    port: z.string().min(1).max(64).optional(),
    value: z.unknown(),
  })
  .superRefine((body, ctx) => {
    if (body.value === undefined) ctx.addIssue({ code: "custom", path: ["value"], message: "value is required (any JSON value, null included)" });
  });
export type InjectBody = z.infer<typeof InjectBody>;

/** Query of an inject request: `wait=true` waits for room (up to `timeoutMs`, bounded by the service) instead of answering 429. */
export const InjectQuery = z.object({
  wait: z.stringbool().default(false),
  timeoutMs: z.coerce.number().int().min(0).max(600_000).optional(),
});
export type InjectQuery = z.infer<typeof InjectQuery>;

/** Answer of an accepted inject (202). */
export const InjectAccepted = z.object({
  accepted: z.literal(true),
  /** Position of the value among the execution's accepted inputs, from 1. */
  sequence: z.int(),
  /** Values waiting in the input queue just after this one was accepted. */
  queueDepth: z.int(),
  /** How long the request waited for room, ms (0 without `wait`). */
  waitedMs: z.number(),
});
export type InjectAccepted = z.infer<typeof InjectAccepted>;
