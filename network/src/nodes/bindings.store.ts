import type { Db } from "@symbia/db";
import type { EntityBinding } from "@symbia/relay";
import { and, asc, eq } from "drizzle-orm";
import { entityBindings } from "../db/schema.js";

type BindingRow = typeof entityBindings.$inferSelect;

/** A stored row as the wire {@link EntityBinding}. */
export function toBinding(row: BindingRow): EntityBinding {
  return { entityId: row.entityId, nodeId: row.nodeId, orgId: row.orgId, boundAt: row.boundAt.toISOString() };
}

/**
 * Binds an entity to the node that holds it now, replacing any earlier binding (an entity is held
 * by one node at a time). The node must exist (foreign key → 409 via `appErrorFromDatabase`).
 */
export async function bindEntity(db: Db, binding: { entityId: string; nodeId: string; orgId: string | null }, at: Date = new Date()): Promise<EntityBinding> {
  const [row] = await db
    .insert(entityBindings)
    .values({ ...binding, boundAt: at })
    .onConflictDoUpdate({ target: entityBindings.entityId, set: { nodeId: binding.nodeId, orgId: binding.orgId, boundAt: at } })
    .returning();
  return toBinding(row!);
}

/** The binding of an entity, or null when no node holds it. */
export async function findBinding(db: Db, entityId: string): Promise<EntityBinding | null> {
  const [row] = await db.select().from(entityBindings).where(eq(entityBindings.entityId, entityId)).limit(1);
  return row ? toBinding(row) : null;
}

/** Removes an entity's binding if `nodeId` still holds it (a node cannot unbind another's entity). */
export async function unbindEntity(db: Db, entityId: string, nodeId: string): Promise<boolean> {
  const deleted = await db
    .delete(entityBindings)
    .where(and(eq(entityBindings.entityId, entityId), eq(entityBindings.nodeId, nodeId)))
    .returning({ entityId: entityBindings.entityId });
  return deleted.length > 0;
}

/** Every binding, or those of one node, by entity id. */
export async function listBindings(db: Db, filter: { nodeId?: string } = {}): Promise<EntityBinding[]> {
  const rows = await db
    .select()
    .from(entityBindings)
    .where(filter.nodeId === undefined ? undefined : eq(entityBindings.nodeId, filter.nodeId))
    .orderBy(asc(entityBindings.entityId));
  return rows.map(toBinding);
}
