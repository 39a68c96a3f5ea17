import { appErrorFromDatabase } from "@symbia/db";
import { encodeNodeKey, type EntityBinding, type Node, type NodeRegistered, type RegisterNodeBody } from "@symbia/relay";
import { Entity } from "@symbia/id";
import { AppError, type Principal } from "@symbia/sys";
import type { Socket } from "socket.io";
import type { NetworkDeps } from "../deps.js";
import type { OwnerScope } from "../db/scope.js";
import { pruneEvents } from "../events/events.store.js";
import { publishTopology } from "../sdn/watch.js";
import { bindEntity as storeBinding, unbindEntity as dropBinding } from "./bindings.store.js";
import { deleteNode, markStaleNodesDown, recordHeartbeat, removeNodesDownSince, upsertNode, findNode } from "./nodes.store.js";
import { actingPrincipalOf, mayBind, nodeIdProblem, nodeOrgOf } from "./nodes.rules.js";

/** A parsed `node:register` payload. */
type Registration = Omit<RegisterNodeBody, "capabilities"> & { capabilities: string[] };

/**
 * Registers (or re-registers) a node for the authenticated `principal` on `socket`: the id must
 * be the principal's own (see `nodeIdProblem`), a socket serves one node, and a node id held by
 * another principal is never taken over. Service, assistant and client nodes hold their own
 * principal's entity (bound here, also in identity's directory). Answers the node, its HMAC key
 * (only ever sent here, over the node's authenticated socket) and the timing rules.
 *
 * @throws AppError `forbidden` (not the principal's id or org), `conflict` (socket already serves another node, or id held by another principal).
 */
export async function registerNode(deps: NetworkDeps, principal: Principal, body: Registration, socket: Socket, requestedOrg: string | undefined): Promise<NodeRegistered> {
  const problem = nodeIdProblem(principal, body.nodeId, body.type);
  if (problem) throw new AppError("forbidden", `cannot register node ${body.nodeId}: ${problem}`, { nodeId: body.nodeId });
  const orgId = nodeOrgOf(principal, requestedOrg);
  const current = deps.registry.nodeOf(socket);
  if (current !== undefined && current !== body.nodeId) throw new AppError("conflict", `this socket already serves node ${current}`);
  const existing = deps.registry.get(body.nodeId);
  if (existing && existing.principal.id !== principal.id) throw new AppError("conflict", `node ${body.nodeId} belongs to another principal`);

  const node = await upsertNode(deps.database.db, {
    id: body.nodeId,
    type: body.type,
    name: body.name ?? null,
    orgId,
    principal: actingPrincipalOf(principal),
    capabilities: body.capabilities,
    endpoint: body.endpoint ?? null,
    metadata: body.metadata ?? {},
  });
  deps.registry.put(node);
  deps.registry.addSocket(node.id, socket);
  deps.logger.info({ nodeId: node.id, type: node.type, orgId: node.orgId, connections: deps.registry.connections(node.id) }, "node registered");
  publishTopology(deps, "registered", node.id, node);
  if (node.type === "service" || node.type === "assistant" || node.type === "client") {
    const held = deps.registry.binding(node.principal.entityId);
    if (held?.nodeId !== node.id) await bind(deps, node, node.principal.entityId);
  }
  return {
    node,
    key: encodeNodeKey(deps.keys.of(node.id)),
    heartbeatIntervalMs: deps.config.heartbeatIntervalMs,
    heartbeatTimeoutMs: deps.config.heartbeatTimeoutMs,
    serverTime: new Date().toISOString(),
    maxAgeMs: deps.config.eventMaxAgeMs,
    maxFutureMs: deps.config.eventMaxFutureMs,
  };
}

/** The node a socket registered as. @throws AppError `forbidden` when the socket has not registered. */
export function nodeOfSocket(deps: NetworkDeps, socket: Socket): Node {
  const nodeId = deps.registry.nodeOf(socket);
  const node = nodeId === undefined ? undefined : deps.registry.get(nodeId);
  if (!node) throw new AppError("forbidden", "register the node first (node:register)");
  return node;
}

/**
 * Records a heartbeat of the socket's node; a node marked down comes back online.
 * @throws AppError `not_found` when the node was removed (it must register again).
 */
export async function heartbeat(deps: NetworkDeps, socket: Socket): Promise<{ at: string; status: "online" }> {
  const nodeId = deps.registry.nodeOf(socket);
  const at = new Date();
  if (nodeId === undefined || !(await recordHeartbeat(deps.database.db, nodeId, at))) {
    if (nodeId !== undefined) deps.registry.removeSocket(socket);
    throw new AppError("not_found", "node not registered; register again");
  }
  const before = deps.registry.get(nodeId);
  if (before) {
    const node: Node = { ...before, status: "online", lastHeartbeatAt: at.toISOString(), downSince: null };
    deps.registry.put(node);
    if (before.status === "down") publishTopology(deps, "online", nodeId, node);
  }
  return { at: at.toISOString(), status: "online" };
}

/**
 * Binds an entity to `node` (the network's routing table and identity's Entity Directory,
 * the latter best effort: a failure is logged, routing does not depend on it).
 * @throws AppError `forbidden` when the node may not bind this entity.
 */
export async function bind(deps: NetworkDeps, node: Node, entityId: string): Promise<EntityBinding> {
  if (!mayBind(node, entityId)) throw new AppError("forbidden", `node ${node.id} may only bind its own entity ${node.principal.entityId}`);
  let binding: EntityBinding;
  try {
    binding = await storeBinding(deps.database.db, { entityId, nodeId: node.id, orgId: node.orgId });
  } catch (error) {
    throw appErrorFromDatabase(error);
  }
  const previous = deps.registry.binding(entityId);
  deps.registry.bind(binding);
  if (previous && previous.nodeId !== node.id) publishTopology(deps, "unbound", previous.nodeId, deps.registry.get(previous.nodeId) ?? null, { entityId, orgId: previous.orgId });
  publishTopology(deps, "bound", node.id, node, { entityId });
  void deps.identity.bindEntity(entityId, node.id).catch((error: Error) => deps.logger.warn({ err: error.message, entityId, nodeId: node.id }, "identity entity directory: binding not recorded"));
  return binding;
}

/**
 * Unbinds an entity `node` holds (also in identity, best effort).
 * @throws AppError `not_found` when the node does not hold it.
 */
export async function unbind(deps: NetworkDeps, node: Node, entityId: string): Promise<void> {
  if (!(await dropBinding(deps.database.db, entityId, node.id))) throw new AppError("not_found", `node ${node.id} does not hold ${entityId}`);
  deps.registry.unbind(entityId);
  publishTopology(deps, "unbound", node.id, node, { entityId });
  unbindInIdentity(deps, [entityId], node.id);
}

function unbindInIdentity(deps: NetworkDeps, entityIds: readonly string[], nodeId: string): void {
  for (const entityId of entityIds) {
    void deps.identity
      .request("DELETE", `/api/entities/${encodeURIComponent(entityId)}/binding`, Entity)
      .catch((error: Error) => deps.logger.warn({ err: error.message, entityId, nodeId }, "identity entity directory: unbinding not recorded"));
  }
}

/** Drops a socket that disconnected; its node stays registered until its heartbeats are missed. */
export function socketClosed(deps: NetworkDeps, socket: Socket, reason: string): void {
  const nodeId = deps.registry.removeSocket(socket);
  if (nodeId !== undefined) deps.logger.info({ nodeId, reason, connections: deps.registry.connections(nodeId) }, "node socket closed");
}

/**
 * Liveness sweep: nodes silent for `heartbeatTimeoutMs` are marked down, nodes down for
 * `nodeRemovalMs` are removed (sockets closed, bindings dropped here and in identity), and the
 * event history is pruned to `eventHistoryMax`. Watchers see each change.
 */
export async function sweep(deps: NetworkDeps, now = new Date()): Promise<{ down: string[]; removed: string[]; pruned: number }> {
  const { config, database, registry } = deps;
  const down = await markStaleNodesDown(database.db, new Date(now.getTime() - config.heartbeatTimeoutMs), now);
  for (const id of down) {
    const node = registry.get(id);
    if (!node) continue;
    const marked: Node = { ...node, status: "down", downSince: now.toISOString() };
    registry.put(marked);
    deps.logger.warn({ nodeId: id }, "node missed its heartbeats: down");
    publishTopology(deps, "down", id, marked);
  }
  const removed = await removeNodesDownSince(database.db, new Date(now.getTime() - config.nodeRemovalMs));
  for (const id of removed) forget(deps, id, "node removed after missing its heartbeats");
  const pruned = await pruneEvents(database.db, config.eventHistoryMax);
  return { down, removed, pruned };
}

/**
 * Removes a node now (admin eviction): its row, bindings and sockets. Platform nodes need the
 * platform scope (super admin).
 * @throws AppError `not_found` for a node the scope cannot see (another org's answers 404).
 */
export async function evictNode(deps: NetworkDeps, scope: OwnerScope & { superAdmin: boolean }, id: string): Promise<void> {
  const node = await findNode(deps.database.db, id);
  if (!node || (node.orgId !== null && node.orgId !== scope.orgId)) throw new AppError("not_found", "node not found");
  if (node.orgId === null && !scope.superAdmin) throw new AppError("forbidden", "platform nodes are evicted by a super admin");
  await deleteNode(deps.database.db, id);
  forget(deps, id, "node evicted by an administrator");
}

function forget(deps: NetworkDeps, id: string, why: string): void {
  const node = deps.registry.get(id);
  const { sockets, entityIds } = deps.registry.remove(id);
  for (const socket of sockets) socket.disconnect(true);
  deps.logger.warn({ nodeId: id, bindings: entityIds.length }, why);
  publishTopology(deps, "removed", id, null, { orgId: node?.orgId ?? null });
  unbindInIdentity(deps, entityIds, id);
}
