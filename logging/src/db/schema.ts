import { bigint, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Logging's tables. Every row is scoped org → service → environment → data class; ids are unique
 * per org (clients choose them so retried batches are stored once). Times are `timestamptz`;
 * metrics also keep epoch milliseconds for bucketing with integer arithmetic (both PostgreSQL and
 * pg-mem run it; pg-mem has no `date_trunc`).
 */

const scoping = {
  orgId: text("org_id").notNull(),
  service: text("service").notNull(),
  env: text("env").notNull(),
  dataClass: text("data_class").notNull(),
};

export const logs = pgTable(
  "logs",
  {
    ...scoping,
    id: text("id").notNull(),
    ts: timestamp("ts", { withTimezone: true, mode: "date" }).notNull(),
    level: text("level").notNull(),
    /** pino's level number, for `minLevel` filters. */
    levelNum: integer("level_num").notNull(),
    message: text("message").notNull(),
    fields: jsonb("fields").$type<Record<string, unknown>>().notNull(),
    traceId: text("trace_id"),
    spanId: text("span_id"),
    runId: text("run_id"),
    /** Principal that ingested the row. */
    ingestedBy: text("ingested_by").notNull(),
  },
  (t) => [
    primaryKey({ name: "logs_pk", columns: [t.orgId, t.id] }),
    index("logs_org_ts_idx").on(t.orgId, t.ts, t.id),
    index("logs_org_trace_idx").on(t.orgId, t.traceId),
    index("logs_org_run_idx").on(t.orgId, t.runId),
  ],
);

export const metrics = pgTable(
  "metrics",
  {
    ...scoping,
    id: text("id").notNull(),
    name: text("name").notNull(),
    value: doublePrecision("value").notNull(),
    unit: text("unit"),
    labels: jsonb("labels").$type<Record<string, string>>().notNull(),
    ts: timestamp("ts", { withTimezone: true, mode: "date" }).notNull(),
    /** `ts` as epoch milliseconds. */
    tsMs: bigint("ts_ms", { mode: "number" }).notNull(),
    traceId: text("trace_id"),
    ingestedBy: text("ingested_by").notNull(),
  },
  (t) => [primaryKey({ name: "metrics_pk", columns: [t.orgId, t.id] }), index("metrics_org_name_ts_idx").on(t.orgId, t.name, t.tsMs)],
);

export const spans = pgTable(
  "spans",
  {
    ...scoping,
    /** `<traceId>.<spanId>`: one row per span however often it is sent. */
    id: text("id").notNull(),
    traceId: text("trace_id").notNull(),
    spanId: text("span_id").notNull(),
    parentSpanId: text("parent_span_id"),
    name: text("name").notNull(),
    kind: text("kind").notNull(),
    startTime: timestamp("start_time", { withTimezone: true, mode: "date" }).notNull(),
    endTime: timestamp("end_time", { withTimezone: true, mode: "date" }).notNull(),
    durationMs: doublePrecision("duration_ms").notNull(),
    status: text("status").notNull(),
    statusMessage: text("status_message"),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull(),
    events: jsonb("events").$type<{ name: string; time: string; attributes?: Record<string, unknown> }[]>().notNull(),
    runId: text("run_id"),
    ingestedBy: text("ingested_by").notNull(),
  },
  (t) => [
    primaryKey({ name: "spans_pk", columns: [t.orgId, t.id] }),
    index("spans_org_trace_idx").on(t.orgId, t.traceId),
    index("spans_org_start_idx").on(t.orgId, t.startTime, t.id),
    index("spans_org_run_idx").on(t.orgId, t.runId),
  ],
);

export const objects = pgTable(
  "objects",
  {
    ...scoping,
    id: text("id").notNull(),
    name: text("name").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    digest: text("digest").notNull(),
    location: text("location").notNull(),
    owner: text("owner").notNull(),
    contentType: text("content_type"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull(),
    ts: timestamp("ts", { withTimezone: true, mode: "date" }).notNull(),
    traceId: text("trace_id"),
    ingestedBy: text("ingested_by").notNull(),
  },
  (t) => [
    primaryKey({ name: "objects_pk", columns: [t.orgId, t.id] }),
    index("objects_org_owner_idx").on(t.orgId, t.owner),
    index("objects_org_digest_idx").on(t.orgId, t.digest),
    index("objects_org_ts_idx").on(t.orgId, t.ts, t.id),
  ],
);

/** Retention per org and data type; orgs without a row use the configured defaults. */
export const retentionPolicies = pgTable(
  "retention_policies",
  {
    orgId: text("org_id").notNull(),
    dataType: text("data_type").notNull(),
    days: integer("days").notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "retention_policies_pk", columns: [t.orgId, t.dataType] })],
);
