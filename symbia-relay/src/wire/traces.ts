import { z } from "zod";
import { ActingPrincipal, Boundary, DataClass, IsoTimestamp } from "../envelope.js";
import { EventId, EventType, NodeId, OrgId, RunId, TraceId, JsonValue } from "../ids.js";
import { Contract } from "./contracts.js";
import { Node } from "./nodes.js";

/**
 * Final status of an event:
 * - `delivered`: reached every target;
 * - `denied`: refused by a policy or for want of a live contract;
 * - `unrouted`: no target could be found;
 * - `dropped`: refused at the door (failed verification: bad signature, replay, outside the
 *   window...) or discarded (a full outbox);
 * - `error`: delivery failed after its retries.
 */
export const TRACE_STATUSES = ["delivered", "denied", "unrouted", "dropped", "error"] as const;
/** One of {@link TRACE_STATUSES}. */
export const TraceStatus = z.enum(TRACE_STATUSES);
/** One of {@link TRACE_STATUSES}. */
export type TraceStatus = z.infer<typeof TraceStatus>;

/**
 * What happened at a hop: reception and verification, each decision step (`resolve`, a policy
 * action, `contract`, `fanout`), then delivery (`deliver`, `retry`) or its failure (`drop`, `error`).
 */
export const HOP_ACTIONS = ["receive", "verify", "resolve", "allow", "deny", "route", "transform", "log", "contract", "fanout", "deliver", "retry", "drop", "error"] as const;
/** One of {@link HOP_ACTIONS}. */
export type HopAction = (typeof HOP_ACTIONS)[number];

/** One hop of an event's trace: `{node, at, durationMs, policyId?, action}` plus what came of it. */
export const TraceHop = z.object({
  /** The node where the hop happened (the network's own node id for its decisions). */
  node: z.string(),
  at: IsoTimestamp,
  /** ms, fractional. */
  durationMs: z.number().nonnegative(),
  policyId: z.string().optional(),
  action: z.enum(HOP_ACTIONS),
  outcome: z.string().optional(),
  detail: z.string().optional(),
});
/** One hop of a trace (see {@link TraceHop}). */
export type TraceHop = z.infer<typeof TraceHop>;

/** The trace of one event through the network. */
export const EventTrace = z.object({
  eventId: EventId,
  runId: RunId,
  traceId: TraceId,
  orgId: OrgId,
  type: EventType,
  source: NodeId,
  /** The target as sent (node or entity id), null for fan-out. */
  target: z.string().nullable(),
  /** Nodes it was (or would have been) delivered to. */
  deliveredTo: z.array(NodeId),
  status: TraceStatus,
  /** Machine-readable cause when not delivered (a decision reason code or a verification reason). */
  reasonCode: z.string().nullable(),
  reason: z.string().nullable(),
  hops: z.array(TraceHop),
  recordedAt: IsoTimestamp,
});
/** The trace of one event (see {@link EventTrace}). */
export type EventTrace = z.infer<typeof EventTrace>;

/**
 * One event of the bounded history: its trace plus the envelope fields. `data` is present only
 * for principals entitled to read payloads.
 */
export const EventRecord = EventTrace.extend({
  boundary: Boundary,
  principal: ActingPrincipal.nullable(),
  dataClass: DataClass,
  causedBy: EventId.nullable(),
  timestamp: IsoTimestamp,
  data: JsonValue.optional(),
});
/** One event of the history (see {@link EventRecord}). */
export type EventRecord = z.infer<typeof EventRecord>;

/** Query of `GET /api/events`. */
export const ListEventsQuery = z.object({
  runId: RunId.optional(),
  type: EventType.optional(),
  source: NodeId.optional(),
  status: TraceStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
/** Query of `GET /api/events` (see {@link ListEventsQuery}). */
export type ListEventsQuery = z.infer<typeof ListEventsQuery>;

/** Response of `GET /api/events/stats`. */
export const EventStats = z.object({
  total: z.number().int(),
  byStatus: z.record(TraceStatus, z.number().int()),
  byType: z.array(z.object({ type: z.string(), count: z.number().int() })),
  /** Events refused at the door (status `dropped`) by reason (`bad_signature`, `replayed`, ...). */
  rejected: z.record(z.string(), z.number().int()),
});
/** Response of `GET /api/events/stats` (see {@link EventStats}). */
export type EventStats = z.infer<typeof EventStats>;

/** An edge of the topology: events that went from one node to another, counted. */
export const TopologyEdge = z.object({ from: z.string(), to: z.string(), count: z.number().int() });
/** An edge of the topology (see {@link TopologyEdge}). */
export type TopologyEdge = z.infer<typeof TopologyEdge>;

/** Response of `GET /api/sdn/topology`. */
export const Topology = z.object({ nodes: z.array(Node), contracts: z.array(Contract), edges: z.array(TopologyEdge) });
/** Response of `GET /api/sdn/topology` (see {@link Topology}). */
export type Topology = z.infer<typeof Topology>;
