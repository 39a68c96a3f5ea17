import type { Db } from "@symbia/db";
import { and, asc, eq, isNull } from "drizzle-orm";
import { resourceVersions, signatures, signingKeys } from "../db/schema.js";
import type { CatalogSchema } from "../deps.js";

type CatalogDb = Db<CatalogSchema>;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type SignatureRow = typeof signatures.$inferSelect;

/** Registers a key (a fingerprint registered before → 23505 → 409). Keys belong to principals, not orgs. */
export async function insertKey(db: CatalogDb, values: typeof signingKeys.$inferInsert): Promise<SigningKeyRow> {
  const [row] = await db.insert(signingKeys).values(values).returning();
  return row!;
}

/** A key by id, whoever registered it (signatures name keys by id), or null. */
export async function findKey(db: CatalogDb, id: string): Promise<SigningKeyRow | null> {
  const [row] = await db.select().from(signingKeys).where(eq(signingKeys.id, id)).limit(1);
  return row ?? null;
}

/** The key registered with this fingerprint, or null. */
export async function findKeyByFingerprint(db: CatalogDb, fingerprint: string): Promise<SigningKeyRow | null> {
  const [row] = await db.select().from(signingKeys).where(eq(signingKeys.fingerprint, fingerprint)).limit(1);
  return row ?? null;
}

/** A principal's keys, oldest first. */
export async function listKeysOf(db: CatalogDb, principalId: string): Promise<SigningKeyRow[]> {
  return db.select().from(signingKeys).where(eq(signingKeys.principalId, principalId)).orderBy(asc(signingKeys.createdAt), asc(signingKeys.id));
}

/** Marks a principal's key revoked (idempotent); null when the principal has no such key. */
export async function revokeKey(db: CatalogDb, principalId: string, id: string, at: Date): Promise<SigningKeyRow | null> {
  const [existing] = await db.select().from(signingKeys).where(and(eq(signingKeys.principalId, principalId), eq(signingKeys.id, id))).limit(1);
  if (!existing) return null;
  if (existing.revokedAt) return existing;
  const [row] = await db.update(signingKeys).set({ revokedAt: at }).where(eq(signingKeys.id, id)).returning();
  return row!;
}

/** Stores a checked signature (the same key twice on one version → 23505 → 409). */
export async function insertSignature(db: CatalogDb, orgId: string, values: Omit<typeof signatures.$inferInsert, "orgId">): Promise<SignatureRow> {
  const [row] = await db.insert(signatures).values({ ...values, orgId }).returning();
  return row!;
}

/** A version's signatures with their keys, oldest first. */
export async function listSignatures(db: CatalogDb, orgId: string, resourceId: string, version: number): Promise<{ signature: SignatureRow; key: SigningKeyRow }[]> {
  return db
    .select({ signature: signatures, key: signingKeys })
    .from(signatures)
    .innerJoin(signingKeys, eq(signingKeys.id, signatures.keyId))
    .where(and(eq(signatures.orgId, orgId), eq(signatures.resourceId, resourceId), eq(signatures.version, version)))
    .orderBy(asc(signatures.createdAt), asc(signatures.id));
}

/** Versions of a resource carrying a signature, over their own digest, by a key that is not revoked. */
export async function signedVersions(db: CatalogDb, orgId: string, resourceId: string): Promise<number[]> {
  const rows = await db
    .selectDistinct({ version: signatures.version })
    .from(signatures)
    .innerJoin(signingKeys, eq(signingKeys.id, signatures.keyId))
    .innerJoin(resourceVersions, and(eq(resourceVersions.resourceId, signatures.resourceId), eq(resourceVersions.version, signatures.version)))
    .where(and(eq(signatures.orgId, orgId), eq(signatures.resourceId, resourceId), isNull(signingKeys.revokedAt), eq(resourceVersions.digest, signatures.digest)));
  return rows.map((r) => r.version).sort((a, b) => a - b);
}
