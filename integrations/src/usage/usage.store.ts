import type { Database } from "@symbia/db";
import { AppError, type Scope } from "@symbia/sys";
import { and, asc, desc, eq, gte, lt, lte, or, sql, type SQL } from "drizzle-orm";
import * as schema from "../db/schema.js";
import type { UsageBucket, UsageQuery, UsageRecord, UsageRecordsQuery } from "./usage.schemas.js";

type Db = Database<typeof schema>;
const { usageRecords: u } = schema;

const num = (expression: SQL) => sql<number>`${expression}`.mapWith(Number);

/**
 * Usage of an org per UTC day, principal, provider and model, newest day first, one page of
 * buckets (`cursor` is an opaque offset). Grouping is by the stored `day` column, which works the
 * same on PostgreSQL and pg-mem.
 */
export async function usageBuckets(db: Db, scope: Pick<Scope, "orgId">, query: UsageQuery & { from: string; to: string }): Promise<{ items: UsageBucket[]; nextCursor: string | null }> {
  const offset = decodeOffset(query.cursor);
  const where = and(
    eq(u.orgId, scope.orgId),
    gte(u.day, query.from),
    lte(u.day, query.to),
    query.principalId ? eq(u.principalId, query.principalId) : undefined,
    query.provider ? eq(u.provider, query.provider) : undefined,
    query.model ? eq(u.model, query.model) : undefined,
  );
  const rows = await db.db
    .select({
      day: u.day,
      principalId: u.principalId,
      provider: u.provider,
      model: u.model,
      requests: num(sql`count(*)`),
      errors: num(sql`coalesce(sum(case when ${u.status} = 'error' then 1 else 0 end), 0)`),
      cancelled: num(sql`coalesce(sum(case when ${u.status} = 'cancelled' then 1 else 0 end), 0)`),
      promptTokens: num(sql`coalesce(sum(${u.promptTokens}), 0)`),
      completionTokens: num(sql`coalesce(sum(${u.completionTokens}), 0)`),
      totalTokens: num(sql`coalesce(sum(${u.totalTokens}), 0)`),
      costUsd: sql<number | null>`sum(${u.costUsd})`.mapWith((v: unknown) => (v === null || v === undefined ? null : Number(v))),
      avgLatencyMs: num(sql`coalesce(avg(${u.latencyMs}), 0)`),
    })
    .from(u)
    .where(where)
    .groupBy(u.day, u.principalId, u.provider, u.model)
    .orderBy(desc(u.day), asc(u.principalId), asc(u.provider), asc(u.model))
    .limit(query.limit + 1)
    .offset(offset);
  const items = rows.slice(0, query.limit).map((r) => ({ ...r, avgLatencyMs: Math.round(r.avgLatencyMs * 10) / 10, costUsd: r.costUsd === null ? null : Math.round(r.costUsd * 1e8) / 1e8 }));
  return { items, nextCursor: rows.length > query.limit ? encodeOffset(offset + query.limit) : null };
}

/** Ledger rows of an org, newest first, filtered; `cursor` is the last row's `startedAt|id`. */
export async function usageRecordsPage(db: Db, scope: Pick<Scope, "orgId">, query: UsageRecordsQuery): Promise<{ items: UsageRecord[]; nextCursor: string | null }> {
  const after = decodeRecordCursor(query.cursor);
  const rows = await db.db
    .select()
    .from(u)
    .where(
      and(
        eq(u.orgId, scope.orgId),
        query.principalId ? eq(u.principalId, query.principalId) : undefined,
        query.runId ? eq(u.runId, query.runId) : undefined,
        query.traceId ? eq(u.traceId, query.traceId) : undefined,
        query.requestId ? eq(u.requestId, query.requestId) : undefined,
        after ? or(lt(u.startedAt, after.startedAt), and(eq(u.startedAt, after.startedAt), lt(u.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(u.startedAt), desc(u.id))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit).map(toRecord);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > query.limit && last ? Buffer.from(`${last.startedAt}|${last.id}`).toString("base64url") : null };
}

/** Tokens and calls of an org (or one principal in it) on `day`, from rows started before `before`. */
export async function usageOfDay(db: Db, orgId: string, principalId: string | null, day: string, before: Date): Promise<{ tokens: number; requests: number }> {
  const [row] = await db.db
    .select({ tokens: num(sql`coalesce(sum(${u.totalTokens}), 0)`), requests: num(sql`count(*)`) })
    .from(u)
    .where(and(eq(u.orgId, orgId), principalId ? eq(u.principalId, principalId) : undefined, eq(u.day, day), lt(u.startedAt, before)));
  return { tokens: row?.tokens ?? 0, requests: row?.requests ?? 0 };
}

function toRecord(row: typeof u.$inferSelect): UsageRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    principalId: row.principalId,
    callerId: row.callerId,
    provider: row.provider,
    model: row.model,
    operation: row.operation,
    status: row.status,
    errorCategory: row.errorCategory ?? null,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    totalTokens: row.totalTokens,
    usageEstimated: row.usageEstimated,
    costUsd: row.costUsd ?? null,
    latencyMs: row.latencyMs,
    stream: row.stream,
    traceId: row.traceId,
    runId: row.runId ?? null,
    requestId: row.requestId,
    startedAt: row.startedAt.toISOString(),
  };
}

function encodeOffset(offset: number): string {
  return Buffer.from(`o:${offset}`).toString("base64url");
}

function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new AppError("bad_request", "invalid cursor");
  return Number(match[1]);
}

function decodeRecordCursor(cursor: string | undefined): { startedAt: Date; id: string } | null {
  if (!cursor) return null;
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const startedAt = new Date(at ?? "");
  if (!id || !Number.isFinite(startedAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new AppError("bad_request", "invalid cursor");
  return { startedAt, id };
}
