import { z } from "zod";
import { IsoTimestamp } from "../envelope.js";
import { EntityId, EventId, EventType, NodeId, RunId } from "../ids.js";
import { VERIFY_FAILURE_REASONS } from "../verify.js";
import { Node } from "./nodes.js";
import { TraceStatus } from "./traces.js";

/**
 * Why the network refused an event at its door: a verification failure of `verifyEnvelope`
 * (`malformed`, `too_large`, `unknown_source`, `bad_signature`, `expired`, `future_timestamp`,
 * `replayed`), or one of the network's own rules:
 * - `principal_not_allowed`: a node other than a service node named an acting principal other
 *   than its own;
 * - `org_not_allowed`: a node of one org sent an event of another org.
 * An envelope whose `source` is not the node registered on the sending socket has no key to be
 * checked with: it is refused as `unknown_source`.
 */
export const INGRESS_REJECTION_REASONS = [...VERIFY_FAILURE_REASONS, "principal_not_allowed", "org_not_allowed"] as const;
/** One of {@link INGRESS_REJECTION_REASONS}. */
export type IngressRejectionReason = (typeof INGRESS_REJECTION_REASONS)[number];

/**
 * Ack data of `event:send`: what the network did with the event. `status` is the trace status
 * (`delivered`, `denied`, `unrouted`, `dropped` when refused at the door, `error` when delivery
 * failed); `reasonCode` a decision reason code or an {@link IngressRejectionReason}.
 */
export const EventVerdict = z.object({
  eventId: z.string(),
  status: TraceStatus,
  reasonCode: z.string().nullable(),
  reason: z.string().nullable(),
  /** Nodes that acknowledged the event. */
  deliveredTo: z.array(NodeId),
});
/** Ack data of `event:send` (see {@link EventVerdict}). */
export type EventVerdict = z.infer<typeof EventVerdict>;

/** Kinds of topology change pushed to watchers as `sdn:topology`. */
export const TOPOLOGY_CHANGES = ["registered", "online", "down", "removed", "bound", "unbound"] as const;

/**
 * A topology change pushed live to `sdn:watch` watchers (`sdn:topology`): a node registered (again),
 * came back online, was marked down or removed, or an entity was bound to / unbound from it.
 */
export const TopologyChange = z.object({
  change: z.enum(TOPOLOGY_CHANGES),
  nodeId: NodeId,
  /** The node as it is now; null once removed. */
  node: Node.nullable(),
  entityId: EntityId.optional(),
  at: IsoTimestamp,
});
/** A topology change (see {@link TopologyChange}). */
export type TopologyChange = z.infer<typeof TopologyChange>;

/** Payload of `sdn:watch`: the org to watch (default: the principal's first org, as REST). */
export const WatchBody = z.strictObject({ orgId: z.string().min(1).max(128).optional() });
/** Payload of `sdn:watch` (see {@link WatchBody}). */
export type WatchBody = z.infer<typeof WatchBody>;

/** Ack data of `sdn:watch`: the org watched and the nodes it sees now. */
export const WatchSnapshot = z.object({ orgId: z.string(), nodes: z.array(Node) });
/** Ack data of `sdn:watch` (see {@link WatchSnapshot}). */
export type WatchSnapshot = z.infer<typeof WatchSnapshot>;

/** One event of a run's flow. */
export const FlowStep = z.object({
  eventId: EventId,
  type: EventType,
  source: NodeId,
  target: z.string().nullable(),
  deliveredTo: z.array(NodeId),
  status: TraceStatus,
  reasonCode: z.string().nullable(),
  causedBy: EventId.nullable(),
  /** When the network received it. */
  at: IsoTimestamp,
  /** Time from reception to the last hop, ms. */
  durationMs: z.number().nonnegative(),
});
/** One event of a run's flow (see {@link FlowStep}). */
export type FlowStep = z.infer<typeof FlowStep>;

/**
 * Response of `GET /api/sdn/flow/:runId`: the run as a graph — the nodes it touched, the edges
 * between them (delivered events counted, with their types) and its events in order.
 */
export const RunFlow = z.object({
  runId: RunId,
  nodes: z.array(z.string()),
  edges: z.array(z.object({ from: z.string(), to: z.string(), count: z.number().int(), types: z.array(z.string()) })),
  steps: z.array(FlowStep),
});
/** A run's flow (see {@link RunFlow}). */
export type RunFlow = z.infer<typeof RunFlow>;

/** How one platform service answered its readiness probe. */
export const ServiceHealth = z.object({
  service: z.string(),
  url: z.string(),
  /** `ready` (200 from `/health/ready`), `not_ready` (any other answer), `unreachable` (no answer in time). */
  status: z.enum(["ready", "not_ready", "unreachable"]),
  httpStatus: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  /** The readiness reason, or the connection error. */
  detail: z.string().nullable(),
  /** The service's node on the network (`service:<id>`), if registered. */
  node: z.object({ id: NodeId, status: z.enum(["online", "down"]) }).nullable(),
});
/** One service's health (see {@link ServiceHealth}). */
export type ServiceHealth = z.infer<typeof ServiceHealth>;

/** Response of `GET /api/platform/health`: every platform service's readiness in one answer. */
export const PlatformHealth = z.object({
  /** `ok` when every service is ready, else `degraded`. */
  status: z.enum(["ok", "degraded"]),
  checkedAt: IsoTimestamp,
  services: z.array(ServiceHealth),
});
/** Response of `GET /api/platform/health` (see {@link PlatformHealth}). */
export type PlatformHealth = z.infer<typeof PlatformHealth>;
