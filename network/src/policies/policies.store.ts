import { randomUUID } from "node:crypto";
import type { Db } from "@symbia/db";
import { AppError } from "@symbia/sys";
import type { Page, Policy, PolicyAction, PolicyCondition, UpdatePolicyBody } from "@symbia/relay";
import { and, asc, eq, type SQL } from "drizzle-orm";
import { policies } from "../db/schema.js";
import { afterCreated, decodeCreatedCursor, encodeCreatedCursor, ownedBy, visibleTo, type OwnerScope } from "../db/scope.js";

type PolicyRow = typeof policies.$inferSelect;

/** A stored row as the wire {@link Policy}. */
export function toPolicy(row: PolicyRow): Policy {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    description: row.description,
    priority: row.priority,
    enabled: row.enabled,
    conditions: row.conditions,
    action: row.action,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** What a new policy is made of (the parsed `CreatePolicyBody` without `platform`). */
export interface PolicyInput {
  name: string;
  description?: string | undefined;
  priority: number;
  enabled: boolean;
  conditions: PolicyCondition[];
  action: PolicyAction;
}

/**
 * Stores a policy owned by `scope` (an org, or the platform when `orgId` is null), id
 * `pol_<uuid>`. Callers validate first (`assertPolicyTerms`).
 */
export async function insertPolicy(db: Db, scope: OwnerScope, input: PolicyInput, meta: { createdBy: string | null; now?: Date }): Promise<Policy> {
  const now = meta.now ?? new Date();
  const [row] = await db
    .insert(policies)
    .values({
      id: `pol_${randomUUID()}`,
      orgId: scope.orgId,
      name: input.name,
      description: input.description ?? null,
      priority: input.priority,
      enabled: input.enabled,
      conditions: input.conditions,
      action: input.action,
      createdBy: meta.createdBy,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toPolicy(row!);
}

/** A policy the scope can see (its org's or the platform's), or null. */
export async function findPolicy(db: Db, scope: OwnerScope, id: string): Promise<Policy | null> {
  const [row] = await db.select().from(policies).where(and(eq(policies.id, id), visibleTo(policies.orgId, scope))).limit(1);
  return row ? toPolicy(row) : null;
}

/**
 * A page of the policies the scope can see, oldest first.
 * @throws AppError `validation_failed` for a cursor this function did not make.
 */
export async function listPolicies(db: Db, scope: OwnerScope, page: { limit: number; cursor?: string | undefined }): Promise<Page<Policy>> {
  const conditions: SQL[] = [visibleTo(policies.orgId, scope)];
  if (page.cursor !== undefined) {
    const cursor = decodeCreatedCursor(page.cursor);
    if (!cursor) throw new AppError("validation_failed", "invalid cursor", { issues: [{ path: "query.cursor", message: "invalid cursor", code: "custom" }] });
    conditions.push(afterCreated(policies.createdAt, policies.id, cursor));
  }
  const rows = await db
    .select()
    .from(policies)
    .where(and(...conditions))
    .orderBy(asc(policies.createdAt), asc(policies.id))
    .limit(page.limit + 1);
  const last = rows.length > page.limit ? rows[page.limit - 1]! : null;
  return { items: rows.slice(0, page.limit).map(toPolicy), nextCursor: last ? encodeCreatedCursor(last.createdAt, last.id) : null };
}

/**
 * Every enabled policy that applies to events of `orgId` (the org's and the platform's), unordered:
 * `orderPolicies` decides the evaluation order.
 */
export async function listPoliciesInForce(db: Db, orgId: string): Promise<Policy[]> {
  const rows = await db.select().from(policies).where(and(visibleTo(policies.orgId, { orgId }), eq(policies.enabled, true)));
  return rows.map(toPolicy);
}

/** Every enabled policy of every org (cross-tenant: for the network's in-memory policy table). */
export async function listPoliciesInForceAcrossOrgs(db: Db): Promise<Policy[]> {
  const rows = await db.select().from(policies).where(eq(policies.enabled, true));
  return rows.map(toPolicy);
}

/** Changes a policy the scope owns; null when there is none. Callers validate first. */
export async function updatePolicy(db: Db, scope: OwnerScope, id: string, patch: UpdatePolicyBody, now: Date = new Date()): Promise<Policy | null> {
  const [row] = await db
    .update(policies)
    .set({
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.priority === undefined ? {} : { priority: patch.priority }),
      ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
      ...(patch.conditions === undefined ? {} : { conditions: patch.conditions }),
      ...(patch.action === undefined ? {} : { action: patch.action }),
      updatedAt: now,
    })
    .where(and(eq(policies.id, id), ownedBy(policies.orgId, scope)))
    .returning();
  return row ? toPolicy(row) : null;
}

/** Deletes a policy the scope owns; true when one was deleted. */
export async function deletePolicy(db: Db, scope: OwnerScope, id: string): Promise<boolean> {
  const deleted = await db.delete(policies).where(and(eq(policies.id, id), ownedBy(policies.orgId, scope))).returning({ id: policies.id });
  return deleted.length > 0;
}
