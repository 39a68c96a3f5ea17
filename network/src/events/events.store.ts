import type { Db } from "@symbia/db";
import { AppError } from "@symbia/sys";
import type { EventRecord, EventStats, EventTrace, ListEventsQuery, Page, TopologyEdge, TraceStatus, UnsignedEnvelope } from "@symbia/relay";
import { TRACE_STATUSES } from "@symbia/relay";
import { and, asc, count, desc, eq, lt, lte, type SQL } from "drizzle-orm";
import { networkEvents } from "../db/schema.js";

type EventRow = typeof networkEvents.$inferSelect;

/** The tenant an event history call acts in (history rows always belong to one org). */
export interface OrgScope {
  orgId: string;
}

function toTrace(row: EventRow): EventTrace {
  return {
    eventId: row.eventId,
    runId: row.runId,
    traceId: row.traceId,
    orgId: row.orgId,
    type: row.type,
    source: row.source,
    target: row.target,
    deliveredTo: row.deliveredTo,
    status: row.status as TraceStatus,
    reasonCode: row.reasonCode,
    reason: row.reason,
    hops: row.hops,
    recordedAt: row.recordedAt.toISOString(),
  };
}

/** A stored row as the wire {@link EventRecord}; `data` only when `includeData`. */
export function toEventRecord(row: EventRow, includeData: boolean): EventRecord {
  return {
    ...toTrace(row),
    boundary: row.boundary as EventRecord["boundary"],
    principal: row.principal,
    dataClass: row.dataClass as EventRecord["dataClass"],
    causedBy: row.causedBy,
    timestamp: row.timestamp.toISOString(),
    ...(includeData ? { data: (row.data ?? null) as EventRecord["data"] } : {}),
  };
}

/** One history row to write: the trace, the envelope fields, and whether the payload is kept. */
export interface EventToRecord {
  trace: EventTrace;
  /** The event as received (for a dropped event, the unverified envelope: recorded, never trusted). */
  envelope: Pick<UnsignedEnvelope, "boundary" | "principal" | "dataClass" | "causedBy" | "timestamp" | "data">;
  /** False keeps `data` out (the network never keeps secret-class payloads). Default true. */
  storeData?: boolean;
}

function rowOf({ trace, envelope, storeData }: EventToRecord) {
  return {
    eventId: trace.eventId,
    orgId: trace.orgId,
    runId: trace.runId,
    traceId: trace.traceId,
    type: trace.type,
    source: trace.source,
    target: trace.target,
    boundary: envelope.boundary,
    dataClass: envelope.dataClass ?? "none",
    principal: envelope.principal ?? null,
    causedBy: envelope.causedBy ?? null,
    timestamp: new Date(envelope.timestamp),
    data: storeData === false ? null : envelope.data,
    status: trace.status,
    reasonCode: trace.reasonCode,
    reason: trace.reason,
    deliveredTo: [...trace.deliveredTo],
    hops: trace.hops,
    recordedAt: new Date(trace.recordedAt),
  };
}

/**
 * Appends an event and its trace to the history. `envelope` is the event as received (for a
 * dropped event, the unverified envelope: it is recorded, never trusted). `data` is stored
 * unless `storeData` is false (the network may keep payloads of some data classes out).
 */
export async function recordEvent(db: Db, trace: EventTrace, envelope: EventToRecord["envelope"], options: { storeData?: boolean } = {}): Promise<number> {
  const [row] = await db
    .insert(networkEvents)
    .values(rowOf({ trace, envelope, ...(options.storeData === undefined ? {} : { storeData: options.storeData }) }))
    .returning({ seq: networkEvents.seq });
  return row!.seq;
}

/** Appends several events in one statement (one commit), in order. */
export async function recordEvents(db: Db, events: readonly EventToRecord[]): Promise<void> {
  if (events.length === 0) return;
  await db.insert(networkEvents).values(events.map(rowOf));
}

function filters(scope: OrgScope, query: Partial<Pick<ListEventsQuery, "runId" | "type" | "source" | "status">>): SQL[] {
  const where: SQL[] = [eq(networkEvents.orgId, scope.orgId)];
  if (query.runId !== undefined) where.push(eq(networkEvents.runId, query.runId));
  if (query.type !== undefined) where.push(eq(networkEvents.type, query.type));
  if (query.source !== undefined) where.push(eq(networkEvents.source, query.source));
  if (query.status !== undefined) where.push(eq(networkEvents.status, query.status));
  return where;
}

/**
 * A page of the org's event history, newest first, filtered by run, type, source and status.
 * Payloads are included only when `includeData` (the caller checked the principal may read them).
 * @throws AppError `validation_failed` for a cursor this function did not make.
 */
export async function listEvents(db: Db, scope: OrgScope, query: ListEventsQuery, options: { includeData: boolean }): Promise<Page<EventRecord>> {
  const where = filters(scope, query);
  if (query.cursor !== undefined) {
    const seq = /^[1-9][0-9]{0,15}$/.test(query.cursor) ? Number(query.cursor) : Number.NaN;
    if (!Number.isSafeInteger(seq)) throw new AppError("validation_failed", "invalid cursor", { issues: [{ path: "query.cursor", message: "invalid cursor", code: "custom" }] });
    where.push(lt(networkEvents.seq, seq));
  }
  const rows = await db
    .select()
    .from(networkEvents)
    .where(and(...where))
    .orderBy(desc(networkEvents.seq))
    .limit(query.limit + 1);
  const last = rows.length > query.limit ? rows[query.limit - 1]! : null;
  return { items: rows.slice(0, query.limit).map((r) => toEventRecord(r, options.includeData)), nextCursor: last ? String(last.seq) : null };
}

/** The traces of one run, in the order the network handled them (at most `limit`, default 1,000). */
export async function listTracesByRun(db: Db, scope: OrgScope, runId: string, limit = 1_000): Promise<EventTrace[]> {
  const rows = await db
    .select()
    .from(networkEvents)
    .where(and(eq(networkEvents.orgId, scope.orgId), eq(networkEvents.runId, runId)))
    .orderBy(asc(networkEvents.seq))
    .limit(limit);
  return rows.map(toTrace);
}

/** The history rows of one run, in handling order, without payloads (at most `limit`, default 1,000). */
export async function listRecordsByRun(db: Db, scope: OrgScope, runId: string, limit = 1_000): Promise<EventRecord[]> {
  const rows = await db
    .select()
    .from(networkEvents)
    .where(and(eq(networkEvents.orgId, scope.orgId), eq(networkEvents.runId, runId)))
    .orderBy(asc(networkEvents.seq))
    .limit(limit);
  return rows.map((r) => toEventRecord(r, false));
}

/** Counts of the org's history: total, by status, the 20 most frequent types, and refusals at the door by reason. */
export async function eventStats(db: Db, scope: OrgScope): Promise<EventStats> {
  const byStatusRows = await db
    .select({ status: networkEvents.status, n: count() })
    .from(networkEvents)
    .where(eq(networkEvents.orgId, scope.orgId))
    .groupBy(networkEvents.status);
  const byTypeRows = await db
    .select({ type: networkEvents.type, n: count() })
    .from(networkEvents)
    .where(eq(networkEvents.orgId, scope.orgId))
    .groupBy(networkEvents.type)
    .orderBy(desc(count()), asc(networkEvents.type))
    .limit(20);
  const rejectedRows = await db
    .select({ reason: networkEvents.reasonCode, n: count() })
    .from(networkEvents)
    .where(and(eq(networkEvents.orgId, scope.orgId), eq(networkEvents.status, "dropped")))
    .groupBy(networkEvents.reasonCode);
  const byStatus = Object.fromEntries(TRACE_STATUSES.map((s) => [s, 0])) as Record<TraceStatus, number>;
  let total = 0;
  for (const row of byStatusRows) {
    byStatus[row.status as TraceStatus] = Number(row.n);
    total += Number(row.n);
  }
  const rejected: Record<string, number> = {};
  for (const row of rejectedRows) rejected[row.reason ?? "unknown"] = Number(row.n);
  return { total, byStatus, byType: byTypeRows.map((r) => ({ type: r.type, count: Number(r.n) })), rejected };
}

/**
 * Delivered event counts per (source, target node) over the org's history, for the topology view.
 * Counted in the process over the (bounded) history, because per-target rows would need
 * `unnest(delivered_to)`, which pg-mem does not support.
 */
export async function edgeCounts(db: Db, scope: OrgScope): Promise<TopologyEdge[]> {
  const rows = await db
    .select({ source: networkEvents.source, deliveredTo: networkEvents.deliveredTo })
    .from(networkEvents)
    .where(and(eq(networkEvents.orgId, scope.orgId), eq(networkEvents.status, "delivered")));
  const counts = new Map<string, TopologyEdge>();
  for (const row of rows) {
    for (const to of row.deliveredTo) {
      const key = `${row.source}\u0000${to}`;
      const edge = counts.get(key) ?? { from: row.source, to, count: 0 };
      edge.count += 1;
      counts.set(key, edge);
    }
  }
  return [...counts.values()].sort((a, b) => (a.from === b.from ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1));
}

/**
 * Keeps the history bounded: deletes everything but the newest `keep` rows (all orgs together).
 * Returns how many rows were deleted.
 */
export async function pruneEvents(db: Db, keep: number): Promise<number> {
  if (!Number.isInteger(keep) || keep < 0) throw new Error("pruneEvents: keep must be a non-negative integer");
  const [boundary] = await db.select({ seq: networkEvents.seq }).from(networkEvents).orderBy(desc(networkEvents.seq)).offset(keep).limit(1);
  if (!boundary) return 0;
  const deleted = await db.delete(networkEvents).where(lte(networkEvents.seq, boundary.seq)).returning({ seq: networkEvents.seq });
  return deleted.length;
}
