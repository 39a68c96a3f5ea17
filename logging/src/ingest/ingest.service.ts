import { randomUUID } from "node:crypto";
import { LEVEL_NUMBERS, type LogInput, type MetricInput, type ObjectInput, type SpanInput } from "@symbia/logging-client";
import type { Principal } from "@symbia/sys";
import type { z } from "zod";
import { assertCanWrite } from "../access.js";
import { metrics, objects, spans } from "../db/schema.js";
import type { LoggingDeps } from "../deps.js";
import { insertLogs, logRecord, type LogRow } from "../logs/logs.store.js";

type Parsed<T extends z.ZodType> = z.output<T>;
/** A parsed batch (any kinds). */
export type Batch = { logs?: Parsed<typeof LogInput>[]; metrics?: Parsed<typeof MetricInput>[]; spans?: Parsed<typeof SpanInput>[]; objects?: Parsed<typeof ObjectInput>[] };

/** Rows accepted per kind (duplicates of rows already stored are not counted). */
export interface Accepted {
  logs: number;
  metrics: number;
  spans: number;
  objects: number;
}

/**
 * Stores a batch of telemetry written by `principal`. Items without an `orgId` go to `defaultOrg`;
 * every org named must be one the principal may write to, else nothing is stored (403). All kinds
 * are written in one transaction; rows whose id already exists in their org are skipped, so a
 * retried batch is stored once. New log lines are offered to the live tail after the commit.
 *
 * @returns how many rows of each kind were new, and the id of every item in input order.
 */
export async function ingest(deps: LoggingDeps, principal: Principal, defaultOrg: string, batch: Batch): Promise<{ accepted: Accepted; ids: Record<keyof Accepted, string[]> }> {
  const orgs = new Set<string>();
  for (const list of [batch.logs, batch.metrics, batch.spans, batch.objects]) for (const item of list ?? []) orgs.add(item.orgId ?? defaultOrg);
  assertCanWrite(principal, orgs);

  const now = new Date();
  const by = principal.id;
  const scoping = (item: { orgId?: string | undefined; service: string; env: string; dataClass: string }) => ({ orgId: item.orgId ?? defaultOrg, service: item.service, env: item.env, dataClass: item.dataClass });
  const logRows: LogRow[] = (batch.logs ?? []).map((l) => ({
    ...scoping(l),
    id: l.id ?? randomUUID(),
    ts: l.timestamp ? new Date(l.timestamp) : now,
    level: l.level,
    levelNum: LEVEL_NUMBERS[l.level],
    message: l.message,
    fields: l.fields ?? {},
    traceId: l.traceId ?? null,
    spanId: l.spanId ?? null,
    runId: l.runId ?? null,
    ingestedBy: by,
  }));
  const metricRows: (typeof metrics.$inferInsert)[] = (batch.metrics ?? []).map((m) => {
    const ts = m.timestamp ? new Date(m.timestamp) : now;
    return { ...scoping(m), id: m.id ?? randomUUID(), name: m.name, value: m.value, unit: m.unit ?? null, labels: m.labels ?? {}, ts, tsMs: ts.getTime(), traceId: m.traceId ?? null, ingestedBy: by };
  });
  const spanRows: (typeof spans.$inferInsert)[] = (batch.spans ?? []).map((s) => {
    const start = new Date(s.startTime);
    const end = new Date(s.endTime);
    return {
      ...scoping(s),
      id: `${s.traceId}.${s.spanId}`,
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId ?? null,
      name: s.name,
      kind: s.kind,
      startTime: start,
      endTime: end,
      durationMs: s.durationMs ?? end.getTime() - start.getTime(),
      status: s.status,
      statusMessage: s.statusMessage ?? null,
      attributes: s.attributes ?? {},
      events: s.events ?? [],
      runId: s.runId ?? null,
      ingestedBy: by,
    };
  });
  const objectRows: (typeof objects.$inferInsert)[] = (batch.objects ?? []).map((o) => ({
    ...scoping(o),
    id: o.id ?? randomUUID(),
    name: o.name,
    sizeBytes: o.sizeBytes,
    digest: o.digest,
    location: o.location,
    owner: o.owner,
    contentType: o.contentType ?? null,
    metadata: o.metadata ?? {},
    ts: o.timestamp ? new Date(o.timestamp) : now,
    traceId: o.traceId ?? null,
    ingestedBy: by,
  }));

  const insertNew = async <T extends { orgId: string; id: string }>(tx: Parameters<Parameters<LoggingDeps["database"]["withTransaction"]>[0]>[0], table: typeof metrics | typeof spans | typeof objects, rows: T[]) => {
    let count = 0;
    for (let i = 0; i < rows.length; i += 1_000) {
      const inserted = await tx.insert(table).values(rows.slice(i, i + 1_000) as never).onConflictDoNothing().returning({ id: table.id });
      count += inserted.length;
    }
    return count;
  };
  const { newLogs, accepted } = await deps.database.withTransaction(async (tx) => {
    const fresh = logRows.length ? await insertLogs(tx, logRows, deps.database.mode) : [];
    return {
      newLogs: fresh,
      accepted: {
        logs: fresh.length,
        metrics: metricRows.length ? await insertNew(tx, metrics, metricRows as { orgId: string; id: string }[]) : 0,
        spans: spanRows.length ? await insertNew(tx, spans, spanRows as { orgId: string; id: string }[]) : 0,
        objects: objectRows.length ? await insertNew(tx, objects, objectRows as { orgId: string; id: string }[]) : 0,
      },
    };
  });
  for (const kind of ["logs", "metrics", "spans", "objects"] as const) if (accepted[kind]) deps.metrics.ingested.inc({ kind }, accepted[kind]);
  // The rows are committed: the live tail must not turn a stored batch into a failed request.
  if (newLogs.length) {
    try {
      deps.tail.publish(newLogs.map(logRecord));
    } catch (error) {
      deps.logger.warn({ err: error }, "publishing to the live tail failed");
    }
  }
  return {
    accepted,
    ids: {
      logs: logRows.map((r) => r.id),
      metrics: metricRows.map((r) => r.id),
      spans: spanRows.map((r) => r.spanId),
      objects: objectRows.map((r) => r.id),
    },
  };
}

