import type { Db } from "@symbia/db";
import type { DataType } from "@symbia/logging-client";
import { and, eq, inArray, lt, notInArray, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { logs, metrics, objects, retentionPolicies, spans } from "../db/schema.js";

/** Each data type's table and the time its age is measured from. */
const TABLES: Record<DataType, { table: PgTable & { orgId: PgColumn; id: PgColumn }; time: PgColumn }> = {
  logs: { table: logs, time: logs.ts },
  metrics: { table: metrics, time: metrics.ts },
  spans: { table: spans, time: spans.startTime },
  objects: { table: objects, time: objects.ts },
};

/** An org's own retention settings. */
export async function orgPolicies(db: Db, orgId: string): Promise<{ dataType: DataType; days: number }[]> {
  const rows = await db.select({ dataType: retentionPolicies.dataType, days: retentionPolicies.days }).from(retentionPolicies).where(eq(retentionPolicies.orgId, orgId));
  return rows as { dataType: DataType; days: number }[];
}

/** Sets (or replaces) an org's retention for one data type. */
export async function upsertPolicy(db: Db, orgId: string, dataType: DataType, days: number, by: string): Promise<void> {
  await db
    .insert(retentionPolicies)
    .values({ orgId, dataType, days, updatedBy: by, updatedAt: new Date() })
    .onConflictDoUpdate({ target: [retentionPolicies.orgId, retentionPolicies.dataType], set: { days, updatedBy: by, updatedAt: new Date() } });
}

/** Removes an org's own setting (the default applies again); false when there was none. */
export async function deletePolicy(db: Db, orgId: string, dataType: DataType): Promise<boolean> {
  const gone = await db.delete(retentionPolicies).where(and(eq(retentionPolicies.orgId, orgId), eq(retentionPolicies.dataType, dataType))).returning({ orgId: retentionPolicies.orgId });
  return gone.length > 0;
}

/** Every org's own setting for a data type (a cross-tenant read: the retention job's). */
export async function allPoliciesAcrossOrgs(db: Db, dataType: DataType): Promise<{ orgId: string; days: number }[]> {
  return db.select({ orgId: retentionPolicies.orgId, days: retentionPolicies.days }).from(retentionPolicies).where(eq(retentionPolicies.dataType, dataType));
}

/**
 * Deletes rows of `dataType` older than `cutoff` (strictly) that match `orgCondition`, `batchSize`
 * rows per statement until none is left. Selecting keys first and deleting by key keeps each
 * statement short on PostgreSQL and works on pg-mem (which has no `DELETE … LIMIT` either).
 * A cross-tenant operation: the retention job's.
 *
 * @returns rows deleted.
 */
export async function deleteOlderAcrossOrgs(db: Db, dataType: DataType, cutoff: Date, orgCondition: { only: string } | { except: string[] }, batchSize: number): Promise<number> {
  const { table, time } = TABLES[dataType];
  const where: SQL[] = [lt(time, cutoff)];
  if ("only" in orgCondition) where.push(eq(table.orgId, orgCondition.only));
  else if (orgCondition.except.length) where.push(notInArray(table.orgId, orgCondition.except));
  let deleted = 0;
  for (;;) {
    const keys = (await db.select({ orgId: table.orgId, id: table.id }).from(table).where(and(...where)).limit(batchSize)) as { orgId: string; id: string }[];
    if (keys.length === 0) break;
    const byOrg = new Map<string, string[]>();
    for (const k of keys) byOrg.set(k.orgId, [...(byOrg.get(k.orgId) ?? []), k.id]);
    for (const [orgId, ids] of byOrg) {
      const gone = await db.delete(table).where(and(eq(table.orgId, orgId), inArray(table.id, ids))).returning({ id: table.id });
      deleted += gone.length;
    }
    if (keys.length < batchSize) break;
  }
  return deleted;
}
