import { randomUUID } from "node:crypto";
import { and, eq, like, or } from "drizzle-orm";
import type { Db } from "@symbia/db";
import { entities } from "../db/schema.js";

export type EntityRow = typeof entities.$inferSelect;

/** A new entity id: `ent_<uuid>`. */
export function newEntityId(): string {
  return `ent_${randomUUID()}`;
}

/**
 * Creates the directory entry of a new principal, with `slug` made unique by a numeric suffix
 * (`ada`, `ada-2`, …).
 */
export async function insertEntity(
  db: Db,
  entry: { type: EntityRow["type"]; slug: string; principalId: string; orgId: string | null; displayName: string; id?: string },
): Promise<EntityRow> {
  const base = entry.slug.toLowerCase().replace(/[^a-z0-9:._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || entry.type;
  const taken = new Set((await db.select({ slug: entities.slug }).from(entities).where(or(eq(entities.slug, base), like(entities.slug, `${base}-%`)))).map((r) => r.slug));
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  const [row] = await db
    .insert(entities)
    .values({ id: entry.id ?? newEntityId(), type: entry.type, slug, principalId: entry.principalId, orgId: entry.orgId, displayName: entry.displayName })
    .returning();
  return row!;
}

/** The entity of a principal id. */
export async function entityOfPrincipal(db: Db, principalId: string): Promise<EntityRow | null> {
  const [row] = await db.select().from(entities).where(eq(entities.principalId, principalId)).limit(1);
  return row ?? null;
}

/** Resolves `ent_…`, `@slug` or `type:slug` (platform-wide; callers apply visibility). */
export async function findEntityByRef(db: Db, ref: string): Promise<EntityRow | null> {
  let where;
  if (ref.startsWith("ent_")) where = eq(entities.id, ref);
  else if (ref.startsWith("@")) where = eq(entities.slug, ref.slice(1));
  else {
    const colon = ref.indexOf(":");
    if (colon <= 0) return null;
    const type = ref.slice(0, colon);
    if (type !== "user" && type !== "agent" && type !== "service") return null;
    where = and(eq(entities.type, type), eq(entities.slug, ref.slice(colon + 1)));
  }
  const [row] = await db.select().from(entities).where(where).limit(1);
  return row ?? null;
}
