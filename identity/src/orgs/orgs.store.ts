import { and, eq } from "drizzle-orm";
import type { Db } from "@symbia/db";
import { AppError, type OrgRole } from "@symbia/sys";
import { memberships, organizations, users } from "../db/schema.js";

export type OrgRow = typeof organizations.$inferSelect;

/** A URL-safe org slug from a name, made unique with a numeric suffix. */
export async function uniqueOrgSlug(db: Db, name: string, wanted?: string): Promise<string> {
  const base = (wanted ?? name).toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50) || "org";
  const rows = await db.select({ slug: organizations.slug }).from(organizations);
  const taken = new Set(rows.map((r) => r.slug));
  if (wanted && taken.has(base)) throw new AppError("conflict", `organization slug ${base} is taken`);
  let slug = base.length >= 2 ? base : `${base}-org`;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  return slug;
}

/** Creates an org with `ownerUserId` as its owner. */
export async function insertOrg(db: Db, input: { name: string; slug?: string; ownerUserId: string }): Promise<OrgRow> {
  const slug = await uniqueOrgSlug(db, input.name, input.slug);
  const [org] = await db.insert(organizations).values({ name: input.name, slug, createdBy: input.ownerUserId }).returning();
  await db.insert(memberships).values({ orgId: org!.id, userId: input.ownerUserId, role: "owner" });
  return org!;
}

/** An org by id (no tenancy check: callers check membership). */
export async function findOrg(db: Db, orgId: string): Promise<OrgRow | null> {
  if (!/^[0-9a-f-]{36}$/.test(orgId)) return null;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, orgId)).limit(1);
  return org ?? null;
}

/** A user's role in an org, or null. */
export async function roleIn(db: Db, orgId: string, userId: string): Promise<OrgRole | null> {
  if (!/^[0-9a-f-]{36}$/.test(orgId) || !/^[0-9a-f-]{36}$/.test(userId)) return null;
  const [row] = await db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).limit(1);
  return row?.role ?? null;
}

/** A user by email (lower-cased). */
export async function findUserByEmail(db: Db, email: string) {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return row ?? null;
}
