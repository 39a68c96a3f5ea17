import type { Db } from "@symbia/db";
import { and, desc, eq, inArray, ne, sql, type SQL } from "drizzle-orm";
import { resourceVersions } from "../db/schema.js";
import type { CatalogSchema } from "../deps.js";

type CatalogDb = Db<CatalogSchema>;
export type VersionRow = typeof resourceVersions.$inferSelect;

const ofResource = (orgId: string, resourceId: string) => and(eq(resourceVersions.orgId, orgId), eq(resourceVersions.resourceId, resourceId));

/** Inserts a version (its number taken → 23505 → 409). The only write of `content` and `digest` there is. */
export async function insertVersion(db: CatalogDb, orgId: string, values: Omit<typeof resourceVersions.$inferInsert, "orgId">): Promise<VersionRow> {
  const [row] = await db.insert(resourceVersions).values({ ...values, orgId }).returning();
  return row!;
}

/** Version `version` of a resource, or null. */
export async function findVersion(db: CatalogDb, orgId: string, resourceId: string, version: number): Promise<VersionRow | null> {
  const [row] = await db.select().from(resourceVersions).where(and(ofResource(orgId, resourceId), eq(resourceVersions.version, version))).limit(1);
  return row ?? null;
}

/** The highest version that is not yanked, or null. */
export async function findLatestVersion(db: CatalogDb, orgId: string, resourceId: string): Promise<VersionRow | null> {
  const [row] = await db
    .select()
    .from(resourceVersions)
    .where(and(ofResource(orgId, resourceId), ne(resourceVersions.status, "yanked")))
    .orderBy(desc(resourceVersions.version))
    .limit(1);
  return row ?? null;
}

/** The highest version with `digest` (any status), or null. */
export async function findVersionByDigest(db: CatalogDb, orgId: string, resourceId: string, digest: string): Promise<VersionRow | null> {
  const [row] = await db
    .select()
    .from(resourceVersions)
    .where(and(ofResource(orgId, resourceId), eq(resourceVersions.digest, digest)))
    .orderBy(desc(resourceVersions.version))
    .limit(1);
  return row ?? null;
}

/** The highest version of any status, or null. */
export async function findHighestVersion(db: CatalogDb, orgId: string, resourceId: string): Promise<VersionRow | null> {
  const [row] = await db.select().from(resourceVersions).where(ofResource(orgId, resourceId)).orderBy(desc(resourceVersions.version)).limit(1);
  return row ?? null;
}

/** Versions newest first, below `before` (exclusive), filtered by status and/or version numbers. */
export async function listVersions(
  db: CatalogDb,
  orgId: string,
  resourceId: string,
  filter: { status?: VersionRow["status"] | undefined; versions?: number[] | undefined; before?: number | undefined },
  limit: number,
): Promise<VersionRow[]> {
  const conditions: (SQL | undefined)[] = [ofResource(orgId, resourceId)];
  if (filter.status) conditions.push(eq(resourceVersions.status, filter.status));
  if (filter.versions) conditions.push(inArray(resourceVersions.version, filter.versions));
  if (filter.before !== undefined) conditions.push(sql`${resourceVersions.version} < ${filter.before}`);
  return db.select().from(resourceVersions).where(and(...conditions)).orderBy(desc(resourceVersions.version)).limit(limit);
}

/** Changes a version's status and reason: the only update a version row ever gets. */
export async function setVersionStatus(db: CatalogDb, orgId: string, resourceId: string, version: number, status: "deprecated" | "yanked", reason: string, at: Date): Promise<VersionRow> {
  const [row] = await db
    .update(resourceVersions)
    .set({ status, statusReason: reason, statusChangedAt: at })
    .where(and(ofResource(orgId, resourceId), eq(resourceVersions.version, version)))
    .returning();
  return row!;
}
