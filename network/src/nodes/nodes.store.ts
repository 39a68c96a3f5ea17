import type { Db } from "@symbia/db";
import type { ActingPrincipal, Node, NodeType } from "@symbia/relay";
import { and, asc, eq, isNotNull, lt } from "drizzle-orm";
import { nodes } from "../db/schema.js";
import { visibleTo, type OwnerScope } from "../db/scope.js";

type NodeRow = typeof nodes.$inferSelect;

/** A stored row as the wire {@link Node}. */
export function toNode(row: NodeRow): Node {
  return {
    id: row.id,
    type: row.type as NodeType,
    name: row.name,
    orgId: row.orgId,
    principal: row.principal,
    capabilities: row.capabilities,
    endpoint: row.endpoint,
    status: row.status,
    registeredAt: row.registeredAt.toISOString(),
    lastHeartbeatAt: row.lastHeartbeatAt.toISOString(),
    downSince: row.downSince?.toISOString() ?? null,
    metadata: row.metadata as Node["metadata"],
  };
}

/** A node as registration records it (authenticated principal, validated payload). */
export interface NodeRegistration {
  id: string;
  type: NodeType;
  name: string | null;
  orgId: string | null;
  principal: ActingPrincipal;
  capabilities: string[];
  endpoint: string | null;
  metadata: Record<string, unknown>;
}

/**
 * Records a (re-)registration: inserts the node or refreshes every field, marks it online and
 * restarts its heartbeat clock at `at`. Whether the caller may use this id is checked before.
 */
export async function upsertNode(db: Db, registration: NodeRegistration, at: Date = new Date()): Promise<Node> {
  const fields = {
    type: registration.type,
    name: registration.name,
    orgId: registration.orgId,
    principal: registration.principal,
    capabilities: registration.capabilities,
    endpoint: registration.endpoint,
    metadata: registration.metadata,
    status: "online" as const,
    registeredAt: at,
    lastHeartbeatAt: at,
    downSince: null,
  };
  const [row] = await db
    .insert(nodes)
    .values({ id: registration.id, ...fields })
    .onConflictDoUpdate({ target: nodes.id, set: fields })
    .returning();
  return toNode(row!);
}

/** The node with this id, or null (node ids are global: this is the network's own lookup). */
export async function findNode(db: Db, id: string): Promise<Node | null> {
  const [row] = await db.select().from(nodes).where(eq(nodes.id, id)).limit(1);
  return row ? toNode(row) : null;
}

/** Nodes the scope can see: platform nodes and, for an org scope, the org's nodes; by id. */
export async function listNodes(db: Db, scope: OwnerScope): Promise<Node[]> {
  const rows = await db.select().from(nodes).where(visibleTo(nodes.orgId, scope)).orderBy(asc(nodes.id));
  return rows.map(toNode);
}

/** Every node of every org (cross-tenant: for the network's routing directory). */
export async function listNodesAcrossOrgs(db: Db): Promise<Node[]> {
  const rows = await db.select().from(nodes).orderBy(asc(nodes.id));
  return rows.map(toNode);
}

/** Records a heartbeat: the node is online as of `at`. False when the node is unknown. */
export async function recordHeartbeat(db: Db, id: string, at: Date = new Date()): Promise<boolean> {
  const updated = await db.update(nodes).set({ lastHeartbeatAt: at, status: "online", downSince: null }).where(eq(nodes.id, id)).returning({ id: nodes.id });
  return updated.length > 0;
}

/** Marks down every online node whose last heartbeat is before `before`; returns their ids. */
export async function markStaleNodesDown(db: Db, before: Date, at: Date = new Date()): Promise<string[]> {
  const updated = await db
    .update(nodes)
    .set({ status: "down", downSince: at })
    .where(and(eq(nodes.status, "online"), lt(nodes.lastHeartbeatAt, before)))
    .returning({ id: nodes.id });
  return updated.map((r) => r.id).sort();
}

/** Removes every node down since before `before` (their entity bindings go with them); returns their ids. */
export async function removeNodesDownSince(db: Db, before: Date): Promise<string[]> {
  const deleted = await db
    .delete(nodes)
    .where(and(eq(nodes.status, "down"), isNotNull(nodes.downSince), lt(nodes.downSince, before)))
    .returning({ id: nodes.id });
  return deleted.map((r) => r.id).sort();
}

/** Removes one node and its bindings; true when it existed. */
export async function deleteNode(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(nodes).where(eq(nodes.id, id)).returning({ id: nodes.id });
  return deleted.length > 0;
}
