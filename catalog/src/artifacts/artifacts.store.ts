import type { Db } from "@symbia/db";
import { and, asc, count, eq } from "drizzle-orm";
import { artifacts } from "../db/schema.js";
import type { CatalogSchema } from "../deps.js";

type CatalogDb = Db<CatalogSchema>;
export type ArtifactRow = typeof artifacts.$inferSelect;

/** The draft's artifacts have version 0. */
export const DRAFT_VERSION = 0;

/** Records an artifact (a duplicate name at the same version is a 23505 → 409). */
export async function insertArtifact(db: CatalogDb, orgId: string, values: Omit<typeof artifacts.$inferInsert, "orgId">): Promise<ArtifactRow> {
  const [row] = await db.insert(artifacts).values({ ...values, orgId }).returning();
  return row!;
}

/** One artifact of a resource's version (0 = draft) in `orgId`, or null. */
export async function findArtifact(db: CatalogDb, orgId: string, resourceId: string, version: number, name: string): Promise<ArtifactRow | null> {
  const [row] = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.orgId, orgId), eq(artifacts.resourceId, resourceId), eq(artifacts.version, version), eq(artifacts.name, name)))
    .limit(1);
  return row ?? null;
}

/** Artifacts of a resource's version (0 = draft), by name. */
export async function listArtifacts(db: CatalogDb, orgId: string, resourceId: string, version: number): Promise<ArtifactRow[]> {
  return db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.orgId, orgId), eq(artifacts.resourceId, resourceId), eq(artifacts.version, version)))
    .orderBy(asc(artifacts.name));
}

/** Deletes one draft artifact row; returns it, or null when there was none. */
export async function deleteDraftArtifact(db: CatalogDb, orgId: string, resourceId: string, name: string): Promise<ArtifactRow | null> {
  const [row] = await db
    .delete(artifacts)
    .where(and(eq(artifacts.orgId, orgId), eq(artifacts.resourceId, resourceId), eq(artifacts.version, DRAFT_VERSION), eq(artifacts.name, name)))
    .returning();
  return row ?? null;
}

/** Freezes the draft's artifacts into `version` (rows copied; the blobs are shared by digest). */
export async function copyDraftArtifacts(db: CatalogDb, orgId: string, resourceId: string, version: number, createdBy: string): Promise<void> {
  const draft = await listArtifacts(db, orgId, resourceId, DRAFT_VERSION);
  for (const a of draft) {
    await db.insert(artifacts).values({ orgId, resourceId, version, name: a.name, contentType: a.contentType, size: a.size, digest: a.digest, createdBy });
  }
}

/** Digests of every artifact row of a resource (any version). */
export async function listArtifactDigestsOfResource(db: CatalogDb, orgId: string, resourceId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ digest: artifacts.digest }).from(artifacts).where(and(eq(artifacts.orgId, orgId), eq(artifacts.resourceId, resourceId)));
  return rows.map((r) => r.digest);
}

/**
 * Whether any row in any org points at the blob `digest`. Cross-tenant on purpose: blobs are
 * content-addressed and shared, so only an unreferenced blob may be deleted.
 */
export async function digestReferencedAnyOrg(db: CatalogDb, digest: string): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(artifacts).where(eq(artifacts.digest, digest));
  return Number(row?.n ?? 0) > 0;
}
