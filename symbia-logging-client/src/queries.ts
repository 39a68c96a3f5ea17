import { z } from "zod";
import { AggregateFn, DataClass, EnvName, FieldKey, LogLevel, RunId, ServiceName, SpanId, SpanKind, SpanStatus, Timestamp, TraceId, Digest } from "./schemas.js";

/** Query strings of logging's read routes and the bodies of its analysis routes (zod). */

/** A comma-separated list of `item`s (1–20). */
function csvOf<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).min(1).max(20));
}

const limit = z.coerce.number().int().min(1).max(1000).default(100);
const cursor = z.string().regex(/^[A-Za-z0-9_-]{1,400}$/, "cursor: as returned in nextCursor").optional();

/**
 * Extra `prefix.<key>=value` query parameters (`field.userId=42`, `label.route=/api/x`) gathered
 * into a record; any other unknown parameter is a 400.
 */
function withKeyed<T extends z.ZodRawShape, P extends string>(shape: T, prefix: P) {
  return z
    .object(shape)
    .catchall(z.string().max(256))
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (key in shape) continue;
        if (!key.startsWith(`${prefix}.`) || !FieldKey.safeParse(key.slice(prefix.length + 1)).success) {
          ctx.addIssue({ code: "custom", path: [key], message: `unknown parameter; filter with ${prefix}.<key>=<value>` });
        }
      }
    })
    .transform((value) => {
      const keyed: Record<string, string> = {};
      const known: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k in shape) known[k] = v;
        else keyed[k.slice(prefix.length + 1)] = v as string;
      }
      return { ...known, [prefix]: keyed } as z.output<z.ZodObject<T, z.core.$strip>> & { [K in P]: Record<string, string> };
    });
}

const logFilterShape = {
  level: csvOf(LogLevel).optional(),
  /** At least this level. */
  minLevel: LogLevel.optional(),
  service: csvOf(ServiceName).optional(),
  env: EnvName.optional(),
  dataClass: csvOf(DataClass).optional(),
  /** Case-insensitive substring of the message. */
  q: z.string().min(1).max(200).optional(),
  traceId: TraceId.optional(),
  spanId: SpanId.optional(),
  runId: RunId.optional(),
};

/** `GET /api/logs`: filters, newest first, keyset-paginated. */
export const LogQuery = withKeyed({ ...logFilterShape, from: Timestamp.optional(), to: Timestamp.optional(), limit, cursor }, "field");
export type LogQuery = z.output<typeof LogQuery>;

/** `GET /api/logs/stream`: the same filters, live (no range or paging). */
export const TailQuery = withKeyed(logFilterShape, "field");
export type TailQuery = z.output<typeof TailQuery>;

/** `GET /api/metrics`: raw points, newest first. */
export const MetricQuery = withKeyed(
  { name: csvOf(z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:.]{0,127}$/)).optional(), service: csvOf(ServiceName).optional(), env: EnvName.optional(), from: Timestamp.optional(), to: Timestamp.optional(), limit, cursor },
  "label",
);
export type MetricQuery = z.output<typeof MetricQuery>;

/** A duration such as `500ms`, `30s`, `5m`, `1h`, `1d`, or a number of ms. */
export const Duration = z
  .string()
  .regex(/^\d{1,9}(ms|s|m|h|d)?$/, "a duration such as 500ms, 30s, 5m, 1h, 1d")
  .transform((v) => {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v)!;
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "ms") as "ms"];
    return Number(m[1]) * unit;
  })
  .pipe(z.number().int().min(1, "bucket must be at least 1 ms").max(366 * 86_400_000));

/** `GET /api/metrics/aggregate`: fn over time buckets, grouped by labels. */
export const AggregateQuery = withKeyed(
  {
    name: z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:.]{0,127}$/),
    fn: AggregateFn.default("avg"),
    bucket: Duration.default(60_000),
    groupBy: csvOf(FieldKey).pipe(z.array(FieldKey).max(5)).optional(),
    service: csvOf(ServiceName).optional(),
    env: EnvName.optional(),
    /** Default: one hour before `to`. */
    from: Timestamp.optional(),
    /** Default: now. */
    to: Timestamp.optional(),
  },
  "label",
);
export type AggregateQuery = z.output<typeof AggregateQuery>;

/** `GET /api/spans`: spans by trace, run, service, name, status; newest first. */
export const SpanQuery = z
  .object({
    traceId: TraceId.optional(),
    runId: RunId.optional(),
    service: csvOf(ServiceName).optional(),
    name: z.string().min(1).max(256).optional(),
    kind: SpanKind.optional(),
    status: SpanStatus.optional(),
    minDurationMs: z.coerce.number().nonnegative().optional(),
    from: Timestamp.optional(),
    to: Timestamp.optional(),
    limit,
    cursor,
  })
  .strict();
export type SpanQuery = z.output<typeof SpanQuery>;

/** `GET /api/objects`: objects by owner or digest (and name, service, time). */
export const ObjectQuery = z
  .object({
    owner: z.string().min(1).max(200).optional(),
    digest: Digest.optional(),
    name: z.string().min(1).max(512).optional(),
    service: csvOf(ServiceName).optional(),
    from: Timestamp.optional(),
    to: Timestamp.optional(),
    limit,
    cursor,
  })
  .strict();
export type ObjectQuery = z.output<typeof ObjectQuery>;

const analysisScope = {
  /** Time range (default: the hour before `to`, or the whole trace/run when one is named). */
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  traceId: TraceId.optional(),
  runId: RunId.optional(),
  service: ServiceName.optional(),
  /** Only log lines at least this level (default: all). */
  minLevel: LogLevel.optional(),
  /** Most evidence lines (logs + spans) sent to the model. */
  maxEvidence: z.number().int().min(1).max(500).default(200),
  /** Integrations provider and model (default: logging's configuration). */
  provider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/).optional(),
  model: z.string().min(1).max(200).optional(),
};

/** `POST /api/analysis/summarize`. */
export const SummarizeBody = z
  .object(analysisScope)
  .strict()
  .refine((b) => !b.from || !b.to || Date.parse(b.from) <= Date.parse(b.to), { message: "from is after to", path: ["from"] })
  .meta({ id: "SummarizeBody" });
export type SummarizeBody = z.input<typeof SummarizeBody>;

/** `POST /api/analysis/investigate`: a question about a time range, trace or run. */
export const InvestigateBody = z
  .object({ ...analysisScope, question: z.string().min(1).max(2000) })
  .strict()
  .refine((b) => !b.from || !b.to || Date.parse(b.from) <= Date.parse(b.to), { message: "from is after to", path: ["from"] })
  .meta({ id: "InvestigateBody" });
export type InvestigateBody = z.input<typeof InvestigateBody>;

/** One evidence line the summary cites: `[L:<id>]` for a log line, `[S:<spanId>]` for a span. */
export const Citation = z.object({ kind: z.enum(["log", "span"]), id: z.string(), line: z.string() });
export type Citation = z.infer<typeof Citation>;

/** Answer of the analysis routes. */
export const AnalysisResult = z
  .object({
    summary: z.string(),
    /** Evidence lines the model cited that were in what it was shown (others are dropped). */
    citations: z.array(Citation),
    evidence: z.object({ logs: z.number().int(), spans: z.number().int(), truncated: z.boolean() }),
    provider: z.string(),
    model: z.string(),
    usage: z.object({ inputTokens: z.number().int().optional(), outputTokens: z.number().int().optional() }).optional(),
  })
  .meta({ id: "AnalysisResult" });
export type AnalysisResult = z.infer<typeof AnalysisResult>;
