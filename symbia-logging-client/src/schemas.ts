import { z } from "zod";

/**
 * Logging's wire schemas (zod): what the logging service accepts and answers. The service
 * validates with them and the client builds its batches from them (ARCHITECTURE §2: a service's
 * wire schemas live in its client library).
 */

/** The reserved org of platform-level telemetry (a service's own requests outside any tenant). */
export const PLATFORM_ORG_ID = "platform";

/** Data classes of a row; every class but `none` needs `cap:logging.read.sensitive` to read. */
export const DATA_CLASSES = ["none", "pii", "phi", "secret"] as const;
export const DataClass = z.enum(DATA_CLASSES);
export type DataClass = z.infer<typeof DataClass>;

/** Log levels, weakest first, with pino's numbers. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export const LogLevel = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevel>;
/** pino's number of each level (trace 10 … fatal 60). */
export const LEVEL_NUMBERS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** Kinds of stored telemetry, also the data types retention is set for. */
export const DATA_TYPES = ["logs", "metrics", "spans", "objects"] as const;
export const DataType = z.enum(DATA_TYPES);
export type DataType = z.infer<typeof DataType>;

/** An org id: identity's UUIDs, or {@link PLATFORM_ORG_ID}. */
export const OrgId = z.union([z.uuid(), z.literal(PLATFORM_ORG_ID)]);
/** Service name: the OpenTelemetry `service.name` of the emitter (`identity`, `checkout-api`). */
export const ServiceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/, "service: 1–64 letters, digits, _ . : / -");
/** Deployment environment (`production`, `staging`, `test`). */
export const EnvName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, "env: 1–32 letters, digits, _ . -");
/** Client-chosen event id (makes retried batches idempotent). */
export const EventId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "id: 8–64 letters, digits, _ -");
/** A trace id: W3C (32 hex) or, as `@symbia/http` accepts in `x-trace-id`, 8–64 safe characters. */
export const TraceId = z.string().regex(/^[A-Za-z0-9._-]{8,64}$/, "traceId: 8–64 letters, digits, . _ -").transform((v) => v.toLowerCase());
/** A W3C span id: 16 hex characters, not all zero. */
export const SpanId = z.string().regex(/^(?!0{16})[0-9a-fA-F]{16}$/, "spanId: 16 hex characters").transform((v) => v.toLowerCase());
/** A run id (assistants runs, runtime executions). */
export const RunId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "runId: 1–128 letters, digits, . _ : -");
/** Label and field keys (also group-by keys). */
export const FieldKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/, "key: a letter or _ then up to 63 letters, digits, _ . : -");
/** ISO 8601 timestamp with offset. */
export const Timestamp = z.iso.datetime({ offset: true });

const scoping = {
  /** Org of the row; default the batch's org. Only a principal allowed to write there may name it. */
  orgId: OrgId.optional(),
  service: ServiceName,
  env: EnvName.default("production"),
  dataClass: DataClass.default("none"),
};

/** Attribute values (OpenTelemetry: string, number, boolean, or arrays of them). */
export const AttributeValue = z.union([z.string().max(8192), z.number(), z.boolean(), z.array(z.union([z.string().max(8192), z.number(), z.boolean()])).max(128)]);
export const Attributes = z.record(FieldKey.or(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/)), AttributeValue).refine((o) => Object.keys(o).length <= 128, "at most 128 attributes");

/** One log line to ingest. */
export const LogInput = z
  .object({
    id: EventId.optional(),
    ...scoping,
    /** When it happened (default: when ingested). */
    timestamp: Timestamp.optional(),
    level: LogLevel,
    message: z.string().min(1).max(65_536),
    /** Structured fields (queryable by `field.<key>=value` on top-level string/number/boolean values). */
    fields: z.record(FieldKey, z.unknown()).refine((o) => Object.keys(o).length <= 64, "at most 64 fields").optional(),
    traceId: TraceId.optional(),
    spanId: SpanId.optional(),
    runId: RunId.optional(),
  })
  .meta({ id: "LogInput" });
export type LogInput = z.input<typeof LogInput>;

/** One metric point to ingest. */
export const MetricInput = z
  .object({
    id: EventId.optional(),
    ...scoping,
    name: z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:.]{0,127}$/, "name: Prometheus-style metric name"),
    value: z.number().finite(),
    /** UCUM-style unit (`ms`, `By`, `{request}`). */
    unit: z.string().max(32).optional(),
    labels: z.record(FieldKey, z.string().max(256)).refine((o) => Object.keys(o).length <= 32, "at most 32 labels").optional(),
    timestamp: Timestamp.optional(),
    traceId: TraceId.optional(),
  })
  .meta({ id: "MetricInput" });
export type MetricInput = z.input<typeof MetricInput>;

/** Span kinds (OpenTelemetry). */
export const SPAN_KINDS = ["internal", "server", "client", "producer", "consumer"] as const;
export const SpanKind = z.enum(SPAN_KINDS);
export type SpanKind = z.infer<typeof SpanKind>;
/** Span status codes (OpenTelemetry). */
export const SpanStatus = z.enum(["unset", "ok", "error"]);
export type SpanStatus = z.infer<typeof SpanStatus>;

/**
 * One finished span to ingest. LLM calls use the OpenTelemetry GenAI attribute names
 * (`gen_ai.request.model`, `gen_ai.usage.input_tokens`, …; see {@link GEN_AI}).
 */
export const SpanInput = z
  .object({
    ...scoping,
    traceId: TraceId,
    spanId: SpanId,
    parentSpanId: SpanId.optional(),
    name: z.string().min(1).max(256),
    kind: SpanKind.default("internal"),
    startTime: Timestamp,
    endTime: Timestamp,
    /** Exact duration in ms when the emitter measured it more finely than the timestamps. */
    durationMs: z.number().nonnegative().finite().optional(),
    status: SpanStatus.default("unset"),
    statusMessage: z.string().max(1024).optional(),
    attributes: Attributes.optional(),
    events: z.array(z.object({ name: z.string().min(1).max(256), time: Timestamp, attributes: Attributes.optional() })).max(128).optional(),
    runId: RunId.optional(),
  })
  .refine((s) => Date.parse(s.endTime) >= Date.parse(s.startTime), { message: "endTime is before startTime", path: ["endTime"] })
  .meta({ id: "SpanInput" });
export type SpanInput = z.input<typeof SpanInput>;

/** Digest of an object: `sha256:<64 hex>` (or sha384/sha512). */
export const Digest = z.string().regex(/^(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/, "digest: sha256:<64 hex> (or sha384/sha512)");

/** Metadata about a file or blob (never its content). */
export const ObjectInput = z
  .object({
    id: EventId.optional(),
    ...scoping,
    name: z.string().min(1).max(512),
    sizeBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    digest: Digest,
    /** Where the bytes are (URL, bucket key, path). */
    location: z.string().min(1).max(2048),
    /** Principal or entity that owns the object. */
    owner: z.string().min(1).max(200),
    contentType: z.string().max(200).optional(),
    metadata: z.record(FieldKey, z.unknown()).refine((o) => Object.keys(o).length <= 64, "at most 64 metadata keys").optional(),
    timestamp: Timestamp.optional(),
    traceId: TraceId.optional(),
  })
  .meta({ id: "ObjectInput" });
export type ObjectInput = z.input<typeof ObjectInput>;

/** Most items one ingest request may carry, all kinds together. */
export const MAX_BATCH_ITEMS = 5_000;

/** A batch of one kind: `POST /api/logs`, `/api/metrics`, `/api/spans`, `/api/objects`. */
export function batchOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item).min(1).max(MAX_BATCH_ITEMS) });
}

/** A mixed batch (`POST /api/ingest`): what the client sends. */
export const IngestBody = z
  .object({
    logs: z.array(LogInput).max(MAX_BATCH_ITEMS).optional(),
    metrics: z.array(MetricInput).max(MAX_BATCH_ITEMS).optional(),
    spans: z.array(SpanInput).max(MAX_BATCH_ITEMS).optional(),
    objects: z.array(ObjectInput).max(MAX_BATCH_ITEMS).optional(),
  })
  .refine((b) => (b.logs?.length ?? 0) + (b.metrics?.length ?? 0) + (b.spans?.length ?? 0) + (b.objects?.length ?? 0) > 0, "the batch is empty")
  .refine((b) => (b.logs?.length ?? 0) + (b.metrics?.length ?? 0) + (b.spans?.length ?? 0) + (b.objects?.length ?? 0) <= MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} items per batch`)
  .meta({ id: "IngestBody" });
export type IngestBody = z.input<typeof IngestBody>;

/** Answer of a single-kind ingest: how many rows were new, and the ids of all given items. */
export const IngestResult = z.object({ accepted: z.number().int(), ids: z.array(z.string()) }).meta({ id: "IngestResult" });
export type IngestResult = z.infer<typeof IngestResult>;
/** Answer of `POST /api/ingest`: rows accepted per kind (retried duplicates are not counted twice). */
export const MixedIngestResult = z
  .object({ accepted: z.object({ logs: z.number().int(), metrics: z.number().int(), spans: z.number().int(), objects: z.number().int() }) })
  .meta({ id: "MixedIngestResult" });
export type MixedIngestResult = z.infer<typeof MixedIngestResult>;

const scopingOut = { orgId: z.string(), service: z.string(), env: z.string(), dataClass: DataClass };

/** A stored log line. */
export const LogRecord = z
  .object({
    id: z.string(),
    ...scopingOut,
    timestamp: z.string(),
    level: LogLevel,
    message: z.string(),
    fields: z.record(z.string(), z.unknown()),
    traceId: z.string().nullable(),
    spanId: z.string().nullable(),
    runId: z.string().nullable(),
  })
  .meta({ id: "LogRecord" });
export type LogRecord = z.infer<typeof LogRecord>;

/** A stored metric point. */
export const MetricRecord = z
  .object({ id: z.string(), ...scopingOut, name: z.string(), value: z.number(), unit: z.string().nullable(), labels: z.record(z.string(), z.string()), timestamp: z.string(), traceId: z.string().nullable() })
  .meta({ id: "MetricRecord" });
export type MetricRecord = z.infer<typeof MetricRecord>;

/** A stored span. */
export const SpanRecord = z
  .object({
    ...scopingOut,
    traceId: z.string(),
    spanId: z.string(),
    parentSpanId: z.string().nullable(),
    name: z.string(),
    kind: SpanKind,
    startTime: z.string(),
    endTime: z.string(),
    durationMs: z.number(),
    status: SpanStatus,
    statusMessage: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    events: z.array(z.object({ name: z.string(), time: z.string(), attributes: z.record(z.string(), z.unknown()).optional() })),
    runId: z.string().nullable(),
  })
  .meta({ id: "SpanRecord" });
export type SpanRecord = z.infer<typeof SpanRecord>;

/** A span with its children, in a trace tree. */
export type SpanNode = SpanRecord & { children: SpanNode[] };
export const SpanNode: z.ZodType<SpanNode> = z.lazy(() => SpanRecord.extend({ children: z.array(SpanNode) })).meta({ id: "SpanNode" });

/** A trace: the span tree of one trace id, its extent and the services it crossed. */
export const TraceView = z
  .object({
    traceId: z.string(),
    startTime: z.string(),
    endTime: z.string(),
    durationMs: z.number(),
    spanCount: z.number().int(),
    errorCount: z.number().int(),
    /** Services in order of their first span. */
    services: z.array(z.string()),
    /** Spans without a parent in the trace (the entry point, and any orphan whose parent was not reported). */
    roots: z.array(SpanNode),
  })
  .meta({ id: "TraceView" });
export type TraceView = z.infer<typeof TraceView>;

/** A stored object's metadata. */
export const ObjectRecord = z
  .object({
    id: z.string(),
    ...scopingOut,
    name: z.string(),
    sizeBytes: z.number(),
    digest: z.string(),
    location: z.string(),
    owner: z.string(),
    contentType: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    timestamp: z.string(),
    traceId: z.string().nullable(),
  })
  .meta({ id: "ObjectRecord" });
export type ObjectRecord = z.infer<typeof ObjectRecord>;

/** A page of a list: `{items, nextCursor}` (ARCHITECTURE §4 API conventions). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** Aggregation functions of `GET /api/metrics/aggregate`. */
export const AggregateFn = z.enum(["avg", "sum", "min", "max", "count"]);
export type AggregateFn = z.infer<typeof AggregateFn>;

/** Answer of `GET /api/metrics/aggregate`: one series per distinct group-by label combination. */
export const AggregateResult = z
  .object({
    name: z.string(),
    fn: AggregateFn,
    bucketMs: z.number().int(),
    from: z.string(),
    to: z.string(),
    groupBy: z.array(z.string()),
    series: z.array(z.object({ labels: z.record(z.string(), z.string().nullable()), points: z.array(z.object({ t: z.string(), value: z.number(), count: z.number().int() })) })),
  })
  .meta({ id: "AggregateResult" });
export type AggregateResult = z.infer<typeof AggregateResult>;

/** A retention setting of one data type in the caller's org. */
export const RetentionSetting = z.object({ dataType: DataType, days: z.number().int(), source: z.enum(["org", "default"]) }).meta({ id: "RetentionSetting" });
export type RetentionSetting = z.infer<typeof RetentionSetting>;

/** Body of `PUT /api/retention/:dataType`. */
export const RetentionBody = z.object({ days: z.number().int().min(1).max(3650) });

/**
 * OpenTelemetry GenAI semantic-convention attribute names for LLM spans
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/).
 */
export const GEN_AI = {
  system: "gen_ai.system",
  operationName: "gen_ai.operation.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestTemperature: "gen_ai.request.temperature",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  finishReasons: "gen_ai.response.finish_reasons",
  responseId: "gen_ai.response.id",
} as const;
