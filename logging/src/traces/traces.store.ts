import type { Db } from "@symbia/db";
import type { DataClass, SpanKind, SpanNode, SpanQuery, SpanRecord, SpanStatus, TraceView } from "@symbia/logging-client";
import { and, asc, desc, eq, gte, inArray, lt, lte, or, type SQL } from "drizzle-orm";
import type { ReadScope } from "../access.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { spans } from "../db/schema.js";

type SpanRow = typeof spans.$inferSelect;

/** Most spans one trace view loads. */
export const MAX_TRACE_SPANS = 10_000;

/** A stored span as the API shows it. */
export function spanRecord(row: SpanRow): SpanRecord {
  return {
    orgId: row.orgId,
    service: row.service,
    env: row.env,
    dataClass: row.dataClass as DataClass,
    traceId: row.traceId,
    spanId: row.spanId,
    parentSpanId: row.parentSpanId,
    name: row.name,
    kind: row.kind as SpanKind,
    startTime: row.startTime.toISOString(),
    endTime: row.endTime.toISOString(),
    durationMs: row.durationMs,
    status: row.status as SpanStatus,
    statusMessage: row.statusMessage,
    attributes: row.attributes,
    events: row.events,
    runId: row.runId,
  };
}

function visible(scope: ReadScope): SQL[] {
  return scope.sensitive ? [eq(spans.orgId, scope.orgId)] : [eq(spans.orgId, scope.orgId), eq(spans.dataClass, "none")];
}

/** Spans visible in `scope`, newest first, keyset-paginated on (start time, id). */
export async function listSpans(db: Db, scope: ReadScope, query: SpanQuery): Promise<{ items: SpanRecord[]; nextCursor: string | null }> {
  const where = visible(scope);
  if (query.traceId) where.push(eq(spans.traceId, query.traceId));
  if (query.runId) where.push(eq(spans.runId, query.runId));
  if (query.service) where.push(inArray(spans.service, query.service));
  if (query.name) where.push(eq(spans.name, query.name));
  if (query.kind) where.push(eq(spans.kind, query.kind));
  if (query.status) where.push(eq(spans.status, query.status));
  if (query.minDurationMs !== undefined) where.push(gte(spans.durationMs, query.minDurationMs));
  if (query.from) where.push(gte(spans.startTime, new Date(query.from)));
  if (query.to) where.push(lte(spans.startTime, new Date(query.to)));
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    const at = new Date(cursor.t);
    where.push(or(lt(spans.startTime, at), and(eq(spans.startTime, at), lt(spans.id, cursor.id)))!);
  }
  const rows = await db.select().from(spans).where(and(...where)).orderBy(desc(spans.startTime), desc(spans.id)).limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(spanRecord), nextCursor: rows.length > query.limit && last ? encodeCursor(last.startTime, last.id) : null };
}

/** Builds the span tree of a trace's spans (children by start time); spans whose parent is absent are roots. */
export function buildTrace(traceId: string, records: SpanRecord[]): TraceView {
  const nodes = new Map<string, SpanNode>(records.map((r) => [r.spanId, { ...r, children: [] }]));
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentSpanId ? nodes.get(node.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.startTime.localeCompare(b.startTime) || a.spanId.localeCompare(b.spanId);
  for (const node of nodes.values()) node.children.sort(byStart);
  roots.sort(byStart);
  const start = Math.min(...records.map((r) => Date.parse(r.startTime)));
  const end = Math.max(...records.map((r) => Date.parse(r.startTime) + r.durationMs));
  const services: string[] = [];
  for (const r of [...records].sort((a, b) => a.startTime.localeCompare(b.startTime))) if (!services.includes(r.service)) services.push(r.service);
  return {
    traceId,
    startTime: new Date(start).toISOString(),
    endTime: new Date(Math.ceil(end)).toISOString(),
    durationMs: end - start,
    spanCount: records.length,
    errorCount: records.filter((r) => r.status === "error").length,
    services,
    roots,
  };
}

/** The trace `traceId` as far as `scope` may see it, or null when it sees none of its spans. */
export async function getTrace(db: Db, scope: ReadScope, traceId: string): Promise<TraceView | null> {
  const rows = await db.select().from(spans).where(and(...visible(scope), eq(spans.traceId, traceId))).orderBy(asc(spans.startTime)).limit(MAX_TRACE_SPANS);
  return rows.length ? buildTrace(traceId, rows.map(spanRecord)) : null;
}
