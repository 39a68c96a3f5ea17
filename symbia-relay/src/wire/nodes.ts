import { z } from "zod";
import { ActingPrincipal, IsoTimestamp } from "../envelope.js";
import { EntityId, NodeId, OrgId, JsonValue } from "../ids.js";

/** Kinds of node that join the network. */
export const NODE_TYPES = ["service", "assistant", "sandbox", "bridge", "client"] as const;
/** One of {@link NODE_TYPES}. */
export const NodeType = z.enum(NODE_TYPES);
/** One of {@link NODE_TYPES}. */
export type NodeType = z.infer<typeof NodeType>;

/** `online` while heartbeats arrive; `down` once they stop for the timeout (then removed). */
export const NODE_STATUSES = ["online", "down"] as const;
/** One of {@link NODE_STATUSES}. */
export const NodeStatus = z.enum(NODE_STATUSES);
/** One of {@link NODE_STATUSES}. */
export type NodeStatus = z.infer<typeof NodeStatus>;

/** A capability a node offers (free text for discovery, such as `llm.invoke`): 1–128 characters. */
export const NodeCapability = z.string().min(1).max(128);

/**
 * Payload of `node:register` (Socket.IO, with the identity token in the handshake) and of the
 * admin REST registration. The node id must be the authenticated principal's own id (service
 * principal id `service:<id>` for a service, agent id for an assistant); the network refuses any
 * other.
 */
export const RegisterNodeBody = z.strictObject({
  nodeId: NodeId,
  type: NodeType,
  name: z.string().min(1).max(200).optional(),
  capabilities: z.array(NodeCapability).max(100).default([]),
  /** Where the network POSTs signed envelopes when the node's socket is not connected. */
  endpoint: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  metadata: z.record(z.string().max(64), JsonValue).optional(),
});
/** Payload of `node:register` (see {@link RegisterNodeBody}). */
export type RegisterNodeBody = z.input<typeof RegisterNodeBody>;

/** A registered node as the network reports it. */
export const Node = z.object({
  id: NodeId,
  type: NodeType,
  name: z.string().nullable(),
  /** The org the node works for; null for platform nodes (services). */
  orgId: OrgId.nullable(),
  /** The principal that registered the node (its identity). */
  principal: ActingPrincipal,
  capabilities: z.array(NodeCapability),
  endpoint: z.string().nullable(),
  status: NodeStatus,
  registeredAt: IsoTimestamp,
  lastHeartbeatAt: IsoTimestamp,
  downSince: IsoTimestamp.nullable(),
  metadata: z.record(z.string(), JsonValue),
});
/** A registered node (see {@link Node}). */
export type Node = z.infer<typeof Node>;

/**
 * Ack data of `node:register`: the node, its HMAC key (unpadded base64url, 32 bytes, given only
 * here, over the authenticated socket) and the timing rules it must follow.
 */
export const NodeRegistered = z.object({
  node: Node,
  key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** Send `node:heartbeat` this often, ms. */
  heartbeatIntervalMs: z.number().int().positive(),
  /** Missing heartbeats this long marks the node down, ms. */
  heartbeatTimeoutMs: z.number().int().positive(),
  /** The network's clock, to estimate skew against the timestamp window. */
  serverTime: IsoTimestamp,
  /** Oldest and furthest-future event timestamps the network accepts, ms. */
  maxAgeMs: z.number().int().positive(),
  maxFutureMs: z.number().int().nonnegative(),
});
/** Ack data of `node:register` (see {@link NodeRegistered}). */
export type NodeRegistered = z.infer<typeof NodeRegistered>;

/** Payload of `node:heartbeat`: optional load figures for the topology view. */
export const HeartbeatBody = z.strictObject({
  /** Events waiting in the node's outbox. */
  outbox: z.number().int().nonnegative().optional(),
});
/** Payload of `node:heartbeat` (see {@link HeartbeatBody}). */
export type HeartbeatBody = z.infer<typeof HeartbeatBody>;

/** Payload of `entity:bind`: bind an entity the node holds now, so events to it reach this node. */
export const BindEntityBody = z.strictObject({ entityId: EntityId });
/** Payload of `entity:bind` (see {@link BindEntityBody}). */
export type BindEntityBody = z.infer<typeof BindEntityBody>;

/** An entity bound to the node that holds it now. */
export const EntityBinding = z.object({
  entityId: EntityId,
  nodeId: NodeId,
  orgId: OrgId.nullable(),
  boundAt: IsoTimestamp,
});
/** An entity binding (see {@link EntityBinding}). */
export type EntityBinding = z.infer<typeof EntityBinding>;

/** A node as the admin routes show it: the node, how many sockets serve it now, and the entities it holds. */
export const NodeDetail = Node.extend({
  connections: z.number().int().nonnegative(),
  bindings: z.array(EntityBinding),
});
/** A node with its connections and bindings (see {@link NodeDetail}). */
export type NodeDetail = z.infer<typeof NodeDetail>;
