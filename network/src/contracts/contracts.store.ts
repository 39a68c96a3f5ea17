import { randomUUID } from "node:crypto";
import type { Db } from "@symbia/db";
import { AppError } from "@symbia/sys";
import type { Contract, ContractTerms, Page, UpdateContractBody } from "@symbia/relay";
import { and, asc, eq, gt, isNull, notInArray, or, type SQL } from "drizzle-orm";
import { contracts } from "../db/schema.js";
import { afterCreated, decodeCreatedCursor, encodeCreatedCursor, ownedBy, visibleTo, type OwnerScope } from "../db/scope.js";
import type { DefaultContract } from "./contracts.defaults.js";

type ContractRow = typeof contracts.$inferSelect;

/** A stored row as the wire {@link Contract}. */
export function toContract(row: ContractRow): Contract {
  return {
    id: row.id,
    orgId: row.orgId,
    origin: row.origin,
    name: row.name,
    from: row.fromEndpoint,
    to: row.toEndpoint,
    allowedEventTypes: row.allowedEventTypes,
    boundaries: row.boundaries as Contract["boundaries"],
    expiresAt: row.expiresAt?.toISOString() ?? null,
    description: row.description,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

function termsColumns(terms: ContractTerms) {
  return {
    fromEndpoint: terms.from,
    toEndpoint: terms.to,
    allowedEventTypes: [...terms.allowedEventTypes],
    boundaries: [...terms.boundaries],
    expiresAt: terms.expiresAt ? new Date(terms.expiresAt) : null,
    description: terms.description ?? null,
  };
}

/**
 * Stores a contract owned by `scope` (an org, or the platform when `orgId` is null), with id
 * `ctr_<uuid>` and origin `api`.
 */
export async function insertContract(db: Db, scope: OwnerScope, terms: ContractTerms, meta: { createdBy: string | null; now?: Date }): Promise<Contract> {
  const [row] = await db
    .insert(contracts)
    .values({ id: `ctr_${randomUUID()}`, orgId: scope.orgId, origin: "api", name: null, ...termsColumns(terms), createdBy: meta.createdBy, createdAt: meta.now ?? new Date() })
    .returning();
  return toContract(row!);
}

/** A contract the scope can see (its org's or the platform's), or null. */
export async function findContract(db: Db, scope: OwnerScope, id: string): Promise<Contract | null> {
  const [row] = await db.select().from(contracts).where(and(eq(contracts.id, id), visibleTo(contracts.orgId, scope))).limit(1);
  return row ? toContract(row) : null;
}

/**
 * A page of the contracts the scope can see, oldest first.
 * @throws AppError `validation_failed` for a cursor this function did not make.
 */
export async function listContracts(db: Db, scope: OwnerScope, page: { limit: number; cursor?: string | undefined }): Promise<Page<Contract>> {
  const conditions: SQL[] = [visibleTo(contracts.orgId, scope)];
  if (page.cursor !== undefined) {
    const cursor = decodeCreatedCursor(page.cursor);
    if (!cursor) throw new AppError("validation_failed", "invalid cursor", { issues: [{ path: "query.cursor", message: "invalid cursor", code: "custom" }] });
    conditions.push(afterCreated(contracts.createdAt, contracts.id, cursor));
  }
  const rows = await db
    .select()
    .from(contracts)
    .where(and(...conditions))
    .orderBy(asc(contracts.createdAt), asc(contracts.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(toContract);
  const last = rows.length > page.limit ? rows[page.limit - 1]! : null;
  return { items, nextCursor: last ? encodeCreatedCursor(last.createdAt, last.id) : null };
}

/** Deletes a contract the scope owns (not merely sees); true when one was deleted. */
export async function deleteContract(db: Db, scope: OwnerScope, id: string): Promise<boolean> {
  const deleted = await db.delete(contracts).where(and(eq(contracts.id, id), ownedBy(contracts.orgId, scope))).returning({ id: contracts.id });
  return deleted.length > 0;
}

const notExpired = (now: Date) => or(isNull(contracts.expiresAt), gt(contracts.expiresAt, now)) as SQL;

/** Every contract in force at `now` for events of `orgId`: the org's and the platform's. */
export async function listContractsInForce(db: Db, orgId: string, now: Date): Promise<Contract[]> {
  const rows = await db
    .select()
    .from(contracts)
    .where(and(visibleTo(contracts.orgId, { orgId }), notExpired(now)))
    .orderBy(asc(contracts.createdAt), asc(contracts.id));
  return rows.map(toContract);
}

/**
 * Every contract in force at `now`, of every org (cross-tenant: for the network's in-memory
 * routing table, never for a tenant's answer).
 */
export async function listContractsInForceAcrossOrgs(db: Db, now: Date): Promise<Contract[]> {
  const rows = await db.select().from(contracts).where(notExpired(now)).orderBy(asc(contracts.createdAt), asc(contracts.id));
  return rows.map(toContract);
}

/**
 * Every contract of every org, expired ones included (cross-tenant: for the network's in-memory
 * routing table, whose decisions name an expired contract as the reason an event was refused).
 */
export async function listAllContractsAcrossOrgs(db: Db): Promise<Contract[]> {
  const rows = await db.select().from(contracts).orderBy(asc(contracts.createdAt), asc(contracts.id));
  return rows.map(toContract);
}

/** Changes the terms of a contract the scope owns; null when there is none. */
export async function updateContract(db: Db, scope: OwnerScope, id: string, patch: UpdateContractBody): Promise<Contract | null> {
  const [row] = await db
    .update(contracts)
    .set({
      ...(patch.from === undefined ? {} : { fromEndpoint: patch.from }),
      ...(patch.to === undefined ? {} : { toEndpoint: patch.to }),
      ...(patch.allowedEventTypes === undefined ? {} : { allowedEventTypes: [...patch.allowedEventTypes] }),
      ...(patch.boundaries === undefined ? {} : { boundaries: [...patch.boundaries] }),
      ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt === null ? null : new Date(patch.expiresAt) }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
    })
    .where(and(eq(contracts.id, id), ownedBy(contracts.orgId, scope)))
    .returning();
  return row ? toContract(row) : null;
}

/** The id of a default contract: `default:<name>`. */
export function defaultContractId(name: string): string {
  return `default:${name}`;
}

/**
 * Makes the stored default contracts exactly `defaults`: each is upserted as a platform contract
 * with id `default:<name>` and origin `default`; default contracts no longer listed are deleted.
 * Contracts created through the API are untouched. Run it inside `withTransaction` so a
 * concurrent reader never sees half the set.
 */
export async function syncDefaultContracts(db: Db, defaults: readonly DefaultContract[], now: Date = new Date()): Promise<{ upserted: number; removed: string[] }> {
  const ids = defaults.map((d) => defaultContractId(d.name));
  for (const contract of defaults) {
    const columns = { ...termsColumns(contract), name: contract.name, orgId: null, origin: "default" as const, createdBy: null };
    await db
      .insert(contracts)
      .values({ id: defaultContractId(contract.name), ...columns, createdAt: now })
      .onConflictDoUpdate({ target: contracts.id, set: columns });
  }
  const stale = and(eq(contracts.origin, "default"), ids.length > 0 ? notInArray(contracts.id, ids) : undefined);
  const removed = await db.delete(contracts).where(stale).returning({ id: contracts.id });
  return { upserted: defaults.length, removed: removed.map((r) => r.id) };
}

