import type { Db } from "@symbia/db";
import { and, asc, eq, inArray, isNull, max, or, sql, type SQL } from "drizzle-orm";
import type { ReadableSet } from "../access/access.js";
import type { CatalogSchema } from "../deps.js";
import { resourceEvents, resourceGrants, resources, resourceVersions, signatures, signingKeys } from "../db/schema.js";

type CatalogDb = Db<CatalogSchema>;
export type ResourceRow = typeof resources.$inferSelect;
export type NewResourceRow = typeof resources.$inferInsert;
export type GrantRow = typeof resourceGrants.$inferSelect;
export type EventRow = typeof resourceEvents.$inferSelect;

/** Where a resource is looked up: by id or by key. */
export type ResourceLookup = { id: string } | { key: string };

const byLookup = (lookup: ResourceLookup) => ("id" in lookup ? eq(resources.id, lookup.id) : eq(resources.key, lookup.key));

/** Inserts a resource (a duplicate key in the org is a 23505 → 409). */
export async function insertResource(db: CatalogDb, orgId: string, values: Omit<NewResourceRow, "orgId">): Promise<ResourceRow> {
  const [row] = await db.insert(resources).values({ ...values, orgId }).returning();
  return row!;
}

/** The resource of `orgId` with that id or key, or null. */
export async function findResourceInOrg(db: CatalogDb, orgId: string, lookup: ResourceLookup): Promise<ResourceRow | null> {
  const [row] = await db.select().from(resources).where(and(eq(resources.orgId, orgId), byLookup(lookup))).limit(1);
  return row ?? null;
}

/**
 * The resource with that id in any org, or null. Cross-tenant on purpose: public resources are
 * read across orgs; callers apply the visibility rules before answering.
 */
export async function findResourceByIdAnyOrg(db: CatalogDb, id: string): Promise<ResourceRow | null> {
  const [row] = await db.select().from(resources).where(eq(resources.id, id)).limit(1);
  return row ?? null;
}

/** Locks the resource row for the rest of the transaction (serializes writers of one resource) and returns it. */
export async function lockResource(db: CatalogDb, orgId: string, id: string): Promise<ResourceRow | null> {
  const [row] = await db.select().from(resources).where(and(eq(resources.orgId, orgId), eq(resources.id, id))).for("update").limit(1);
  return row ?? null;
}

/** Updates a resource of `orgId`. */
export async function updateResourceRow(db: CatalogDb, orgId: string, id: string, patch: Partial<NewResourceRow>): Promise<ResourceRow> {
  const [row] = await db.update(resources).set(patch).where(and(eq(resources.orgId, orgId), eq(resources.id, id))).returning();
  return row!;
}

/** Deletes a resource of `orgId` (versions, artifacts rows, signatures, grants and events cascade). */
export async function deleteResourceRow(db: CatalogDb, orgId: string, id: string): Promise<void> {
  await db.delete(resources).where(and(eq(resources.orgId, orgId), eq(resources.id, id)));
}

/** SQL condition for "readable by" a {@link ReadableSet} (plus ids granted to the principal). */
export function readableWhere(set: ReadableSet, principalId: string, grantedIds: string[]): SQL | undefined {
  if (set.all) return undefined;
  const conditions: SQL[] = [];
  if (set.public) conditions.push(eq(resources.visibility, "public"));
  if (set.orgOrgs === "all") conditions.push(eq(resources.visibility, "org"));
  else if (set.orgOrgs.length) conditions.push(and(eq(resources.visibility, "org"), inArray(resources.orgId, set.orgOrgs))!);
  if (set.privateOrgs.length) conditions.push(and(eq(resources.visibility, "private"), inArray(resources.orgId, set.privateOrgs))!);
  if (set.ownAndGranted) {
    conditions.push(and(eq(resources.visibility, "private"), eq(resources.ownerId, principalId))!);
    if (grantedIds.length) conditions.push(and(eq(resources.visibility, "private"), inArray(resources.id, grantedIds))!);
  }
  return conditions.length ? or(...conditions) : sql`false`;
}

/**
 * Resources matching `where` (visibility and filters already combined), ordered by key then id,
 * after the `(key, id)` cursor. Cross-tenant: `where` carries the visibility rules.
 */
export async function listResourcesAnyOrg(db: CatalogDb, where: SQL | undefined, after: { key: string; id: string } | null, limit: number): Promise<ResourceRow[]> {
  const cursor = after ? or(sql`${resources.key} > ${after.key}`, and(eq(resources.key, after.key), sql`${resources.id} > ${after.id}`)) : undefined;
  return db
    .select()
    .from(resources)
    .where(and(where, cursor))
    .orderBy(asc(resources.key), asc(resources.id))
    .limit(limit);
}

/** Ids of resources whose latest version carries a signature by a registered, unrevoked key. */
export async function verifiedResourceIdsAnyOrg(db: CatalogDb): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: signatures.resourceId })
    .from(signatures)
    .innerJoin(signingKeys, eq(signingKeys.id, signatures.keyId))
    .innerJoin(resources, eq(resources.id, signatures.resourceId))
    .where(and(isNull(signingKeys.revokedAt), eq(signatures.version, resources.latestVersion)));
  return rows.map((r) => r.id);
}

// ---- grants --------------------------------------------------------------------------------------

/** A principal's grant on a resource, or null. */
export async function findGrant(db: CatalogDb, resourceId: string, principalId: string): Promise<GrantRow | null> {
  const [row] = await db.select().from(resourceGrants).where(and(eq(resourceGrants.resourceId, resourceId), eq(resourceGrants.principalId, principalId))).limit(1);
  return row ?? null;
}

/** Ids of every resource granted to a principal (any org: grants are how private resources are shared). */
export async function grantedResourceIdsAnyOrg(db: CatalogDb, principalId: string): Promise<string[]> {
  const rows = await db.select({ id: resourceGrants.resourceId }).from(resourceGrants).where(eq(resourceGrants.principalId, principalId));
  return rows.map((r) => r.id);
}

/** Grants on a resource, by principal. */
export async function listGrants(db: CatalogDb, resourceId: string): Promise<GrantRow[]> {
  return db.select().from(resourceGrants).where(eq(resourceGrants.resourceId, resourceId)).orderBy(asc(resourceGrants.principalId));
}

/** Creates or changes a grant. */
export async function putGrant(db: CatalogDb, values: typeof resourceGrants.$inferInsert): Promise<GrantRow> {
  const [row] = await db
    .insert(resourceGrants)
    .values(values)
    .onConflictDoUpdate({ target: [resourceGrants.resourceId, resourceGrants.principalId], set: { access: values.access, grantedBy: values.grantedBy } })
    .returning();
  return row!;
}

/** Removes a grant; true when one existed. */
export async function deleteGrant(db: CatalogDb, resourceId: string, principalId: string): Promise<boolean> {
  const rows = await db.delete(resourceGrants).where(and(eq(resourceGrants.resourceId, resourceId), eq(resourceGrants.principalId, principalId))).returning();
  return rows.length > 0;
}

// ---- history -------------------------------------------------------------------------------------

/**
 * Appends an event to a resource's history with the next sequence number. Call it inside the
 * transaction that locked the resource ({@link lockResource}), so numbers never collide.
 */
export async function recordEvent(
  db: CatalogDb,
  orgId: string,
  resourceId: string,
  event: { type: string; principalId: string; version?: number | null; data?: Record<string, unknown> | null },
): Promise<void> {
  const [last] = await db.select({ seq: max(resourceEvents.seq) }).from(resourceEvents).where(eq(resourceEvents.resourceId, resourceId));
  await db.insert(resourceEvents).values({
    orgId,
    resourceId,
    seq: (last?.seq ?? 0) + 1,
    type: event.type,
    version: event.version ?? null,
    principalId: event.principalId,
    data: event.data ? JSON.stringify(event.data) : null,
  });
}

/** A resource's events after sequence number `afterSeq`, oldest first. */
export async function listEvents(db: CatalogDb, resourceId: string, afterSeq: number, limit: number): Promise<EventRow[]> {
  return db
    .select()
    .from(resourceEvents)
    .where(and(eq(resourceEvents.resourceId, resourceId), sql`${resourceEvents.seq} > ${afterSeq}`))
    .orderBy(asc(resourceEvents.seq))
    .limit(limit);
}

/** Every version row of a resource, oldest first (status recomputation). */
export async function versionStates(db: CatalogDb, resourceId: string): Promise<{ version: number; digest: string; status: "published" | "deprecated" | "yanked" }[]> {
  return db
    .select({ version: resourceVersions.version, digest: resourceVersions.digest, status: resourceVersions.status })
    .from(resourceVersions)
    .where(eq(resourceVersions.resourceId, resourceId))
    .orderBy(asc(resourceVersions.version));
}
