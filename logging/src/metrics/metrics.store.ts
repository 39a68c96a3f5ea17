import type { Db } from "@symbia/db";
import type { AggregateQuery, AggregateResult, DataClass, MetricQuery, MetricRecord } from "@symbia/logging-client";
import { AppError } from "@symbia/sys";
import { and, desc, eq, gte, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { ReadScope } from "../access.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { metrics } from "../db/schema.js";

type MetricRow = typeof metrics.$inferSelect;

/** Most buckets one aggregation may return per series. */
export const MAX_BUCKETS = 10_000;

function metricRecord(row: MetricRow): MetricRecord {
  return { id: row.id, orgId: row.orgId, service: row.service, env: row.env, dataClass: row.dataClass as DataClass, name: row.name, value: row.value, unit: row.unit, labels: row.labels, timestamp: row.ts.toISOString(), traceId: row.traceId };
}

function scoped(scope: ReadScope, filter: { service?: string[] | undefined; env?: string | undefined; label: Record<string, string> }): SQL[] {
  const where: SQL[] = [eq(metrics.orgId, scope.orgId)];
  if (!scope.sensitive) where.push(eq(metrics.dataClass, "none"));
  if (filter.service) where.push(inArray(metrics.service, filter.service));
  if (filter.env) where.push(eq(metrics.env, filter.env));
  for (const [key, value] of Object.entries(filter.label)) where.push(sql`${metrics.labels}->>${key} = ${value}`);
  return where;
}

/** Raw metric points visible in `scope`, newest first, keyset-paginated on (timestamp, id). */
export async function listMetrics(db: Db, scope: ReadScope, query: MetricQuery): Promise<{ items: MetricRecord[]; nextCursor: string | null }> {
  const where = scoped(scope, query);
  if (query.name) where.push(inArray(metrics.name, query.name));
  if (query.from) where.push(gte(metrics.tsMs, Date.parse(query.from)));
  if (query.to) where.push(lte(metrics.tsMs, Date.parse(query.to)));
  const cursor = decodeCursor(query.cursor);
  if (cursor) where.push(or(lt(metrics.tsMs, cursor.t), and(eq(metrics.tsMs, cursor.t), lt(metrics.id, cursor.id)))!);
  const rows = await db.select().from(metrics).where(and(...where)).orderBy(desc(metrics.tsMs), desc(metrics.id)).limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(metricRecord), nextCursor: rows.length > query.limit && last ? encodeCursor(last.ts, last.id) : null };
}

const SQL_FN = { avg: "avg", sum: "sum", min: "min", max: "max", count: "count" } as const;

/**
 * `fn(value)` per time bucket and group-by label combination, computed in SQL. Buckets are aligned
 * to the epoch: `(ts_ms / bucketMs) * bucketMs` is integer arithmetic on a bigint column, which
 * PostgreSQL and pg-mem both run (pg-mem has no `date_trunc` nor window functions), so nothing is
 * scanned into the process. The bucket size and label keys are validated (digits; key pattern
 * without quotes) before they are written into the statement, because PostgreSQL matches GROUP BY
 * expressions textually and parameters would make them differ.
 *
 * @throws AppError `validation_failed` when the range holds more than {@link MAX_BUCKETS} buckets.
 */
export async function aggregateMetrics(db: Db, scope: ReadScope, query: AggregateQuery): Promise<AggregateResult> {
  const to = query.to ? Date.parse(query.to) : Date.now();
  const from = query.from ? Date.parse(query.from) : to - 3_600_000;
  const bucket = query.bucket;
  if (from > to) throw new AppError("validation_failed", "from is after to", { issues: [{ path: "query.from", message: "from is after to", code: "custom" }] });
  if ((to - from) / bucket > MAX_BUCKETS) {
    throw new AppError("validation_failed", `the range holds more than ${MAX_BUCKETS} buckets; widen the bucket or narrow the range`, { issues: [{ path: "query.bucket", message: `more than ${MAX_BUCKETS} buckets`, code: "custom" }] });
  }
  if (!Number.isSafeInteger(bucket) || bucket < 1) throw new AppError("validation_failed", "bad bucket");
  const groupBy = query.groupBy ?? [];
  for (const key of groupBy) if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(key)) throw new AppError("validation_failed", `bad group-by key ${key}`);

  const bucketExpr = sql.raw(`(ts_ms / ${bucket}) * ${bucket}`);
  const groupExprs = groupBy.map((key) => sql.raw(`labels->>'${key}'`));
  const where = [...scoped(scope, query), eq(metrics.name, query.name), gte(metrics.tsMs, from), lt(metrics.tsMs, to)];
  const fn = sql.raw(`${SQL_FN[query.fn]}(value)`);
  const selectGroups = groupExprs.map((expr, i) => sql`, ${expr} as ${sql.raw(`g${i}`)}`);
  const rows = await db.execute<Record<string, unknown>>(sql`
    select ${bucketExpr} as bucket ${sql.join(selectGroups, sql``)}, count(*) as n, ${fn} as v
    from ${metrics} where ${and(...where)}
    group by ${sql.join([bucketExpr, ...groupExprs], sql`, `)}
    order by 1`);

  const series = new Map<string, AggregateResult["series"][number]>();
  for (const row of rows.rows) {
    const labels: Record<string, string | null> = {};
    groupBy.forEach((key, i) => (labels[key] = (row[`g${i}`] as string | null) ?? null));
    const key = JSON.stringify(groupBy.map((k) => labels[k]));
    let s = series.get(key);
    if (!s) series.set(key, (s = { labels, points: [] }));
    s.points.push({ t: new Date(Number(row.bucket)).toISOString(), value: Number(row.v), count: Number(row.n) });
  }
  return { name: query.name, fn: query.fn, bucketMs: bucket, from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy, series: [...series.values()] };
}
