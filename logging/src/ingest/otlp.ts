import { issuesFromZod, validationError } from "@symbia/http";
import { DataClass, LogInput, SpanInput, type LogLevel } from "@symbia/logging-client";
import { z } from "zod";

/**
 * OTLP/HTTP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) translated to
 * logging's own inputs. Resource attributes give the scoping: `service.name` → service,
 * `deployment.environment.name` (or the older `deployment.environment`) → env, and
 * `symbia.data_class` / `symbia.org_id` → data class and org. `symbia.run_id` on a span or log
 * record is its run id.
 */

/** An OTLP AnyValue. */
type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; bytesValue?: string; arrayValue?: { values?: AnyValue[] }; kvlistValue?: { values?: KeyValue[] } };
type KeyValue = { key: string; value?: AnyValue };

const AnyValueSchema: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).optional(),
    doubleValue: z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"]).transform(Number)]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(AnyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(KeyValueSchema).optional() }).optional(),
  }),
).meta({ id: "OtlpAnyValue" });
const KeyValueSchema: z.ZodType<KeyValue> = z.lazy(() => z.object({ key: z.string().max(256), value: AnyValueSchema.optional() })).meta({ id: "OtlpKeyValue" });
const Attrs = z.array(KeyValueSchema).max(1024).optional();
const Nanos = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]);
const Resource = z.object({ attributes: Attrs }).optional();
const Kind = z.union([z.number().int().min(0).max(5), z.enum(["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"])]);
const StatusCode = z.union([z.number().int().min(0).max(2), z.enum(["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"])]);

/** `ExportTraceServiceRequest` in OTLP/JSON. */
export const OtlpTraceBody = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: Resource,
        scopeSpans: z
          .array(
            z.object({
              scope: z.object({ name: z.string().optional(), version: z.string().optional() }).optional(),
              spans: z
                .array(
                  z.object({
                    traceId: z.string(),
                    spanId: z.string(),
                    parentSpanId: z.string().optional(),
                    name: z.string(),
                    kind: Kind.optional(),
                    startTimeUnixNano: Nanos,
                    endTimeUnixNano: Nanos,
                    attributes: Attrs,
                    events: z.array(z.object({ timeUnixNano: Nanos, name: z.string(), attributes: Attrs })).optional(),
                    status: z.object({ code: StatusCode.optional(), message: z.string().optional() }).optional(),
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .max(1000),
});
export type OtlpTraceBody = z.infer<typeof OtlpTraceBody>;

/** `ExportLogsServiceRequest` in OTLP/JSON. */
export const OtlpLogsBody = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: Resource,
        scopeLogs: z
          .array(
            z.object({
              scope: z.object({ name: z.string().optional(), version: z.string().optional() }).optional(),
              logRecords: z
                .array(
                  z.object({
                    timeUnixNano: Nanos.optional(),
                    observedTimeUnixNano: Nanos.optional(),
                    severityNumber: z.union([z.number().int().min(0).max(24), z.string()]).optional(),
                    severityText: z.string().optional(),
                    body: AnyValueSchema.optional(),
                    attributes: Attrs,
                    traceId: z.string().optional(),
                    spanId: z.string().optional(),
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .max(1000),
});
export type OtlpLogsBody = z.infer<typeof OtlpLogsBody>;

type Plain = string | number | boolean | Plain[];

/** An AnyValue as a plain attribute value: nested key-value lists become JSON text, bytes stay base64. */
function plain(value: AnyValue | undefined): Plain | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map((v) => plain(v) ?? "").map((v) => (Array.isArray(v) ? JSON.stringify(v) : v));
  if (value.kvlistValue) return JSON.stringify(Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, plain(kv.value) ?? null])));
  return undefined;
}

function attributes(list: KeyValue[] | undefined): Record<string, Plain> {
  const out: Record<string, Plain> = {};
  for (const kv of list ?? []) {
    const v = plain(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

/**
 * A trace or span id as lowercase hex. OTLP/JSON specifies hex; older exporters sent base64,
 * which is accepted when it decodes to the right length. Empty → undefined.
 */
function hexId(value: string | undefined, bytes: 8 | 16): string | undefined {
  if (!value) return undefined;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) return value.toLowerCase();
  const decoded = Buffer.from(value, "base64");
  if (decoded.length === bytes && /^[A-Za-z0-9+/]+=*$/.test(value)) return decoded.toString("hex");
  return value; // left as it is, so validation names it
}

const NS_PER_MS = 1_000_000n;
const iso = (nanos: string | number) => new Date(Number(BigInt(nanos) / NS_PER_MS)).toISOString();

function scoping(resource: { attributes?: KeyValue[] | undefined } | undefined) {
  const attrs = attributes(resource?.attributes);
  const str = (key: string) => (typeof attrs[key] === "string" && attrs[key] ? (attrs[key] as string) : undefined);
  const dataClass = DataClass.safeParse(str("symbia.data_class"));
  const orgId = str("symbia.org_id");
  return {
    // OpenTelemetry's own default for a service that did not name itself.
    service: str("service.name") ?? "unknown_service",
    env: str("deployment.environment.name") ?? str("deployment.environment") ?? "production",
    dataClass: dataClass.success ? dataClass.data : "none",
    ...(orgId ? { orgId } : {}),
  };
}

const KINDS = ["internal", "internal", "server", "client", "producer", "consumer"] as const;
const kindOf = (kind: z.infer<typeof Kind> | undefined) => (kind === undefined ? "internal" : typeof kind === "number" ? KINDS[kind]! : (KINDS[["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"].indexOf(kind)] ?? "internal"));
const statusOf = (code: z.infer<typeof StatusCode> | undefined) => (["unset", "ok", "error"] as const)[typeof code === "number" ? code : code ? ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"].indexOf(code) : 0] ?? "unset";

/** Validates translated items with logging's own schemas; any failure is a 400 naming `<prefix>.<index>.<path>`. */
function checked<T extends z.ZodType>(schema: T, items: unknown[], prefix: string): z.output<T>[] {
  const out: z.output<T>[] = [];
  const issues: ReturnType<typeof issuesFromZod> = [];
  items.forEach((item, i) => {
    const result = schema.safeParse(item);
    if (result.success) out.push(result.data);
    else issues.push(...issuesFromZod(result.error, `${prefix}.${i}`));
  });
  if (issues.length) throw validationError(issues.slice(0, 50));
  return out;
}

/** The spans of an OTLP trace export, as validated {@link SpanInput}s. */
export function spansFromOtlp(body: OtlpTraceBody): z.output<typeof SpanInput>[] {
  const items: unknown[] = [];
  for (const rs of body.resourceSpans) {
    const scope = scoping(rs.resource);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const attrs = attributes(s.attributes);
        const runId = typeof attrs["symbia.run_id"] === "string" ? attrs["symbia.run_id"] : undefined;
        const parent = hexId(s.parentSpanId, 8);
        items.push({
          ...scope,
          traceId: hexId(s.traceId, 16),
          spanId: hexId(s.spanId, 8),
          ...(parent ? { parentSpanId: parent } : {}),
          name: s.name,
          kind: kindOf(s.kind),
          startTime: iso(s.startTimeUnixNano),
          endTime: iso(s.endTimeUnixNano),
          durationMs: Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6,
          status: statusOf(s.status?.code),
          ...(s.status?.message ? { statusMessage: s.status.message } : {}),
          attributes: { ...attrs, ...(ss.scope?.name ? { "otel.scope.name": ss.scope.name } : {}) },
          events: (s.events ?? []).map((e) => ({ name: e.name, time: iso(e.timeUnixNano), attributes: attributes(e.attributes) })),
          ...(runId ? { runId } : {}),
        });
      }
    }
  }
  return checked(SpanInput, items, "body.spans");
}

/** OTLP severity number (1–24) → level. */
function levelOf(number: number | string | undefined, text: string | undefined): LogLevel {
  const n = typeof number === "number" ? number : 0;
  if (n >= 21) return "fatal";
  if (n >= 17) return "error";
  if (n >= 13) return "warn";
  if (n >= 9) return "info";
  if (n >= 5) return "debug";
  if (n >= 1) return "trace";
  const t = (text ?? "").toLowerCase();
  if (t.startsWith("fatal") || t.startsWith("crit")) return "fatal";
  if (t.startsWith("err")) return "error";
  if (t.startsWith("warn")) return "warn";
  if (t.startsWith("debug")) return "debug";
  if (t.startsWith("trace")) return "trace";
  return "info";
}

/** The records of an OTLP logs export, as validated {@link LogInput}s. */
export function logsFromOtlp(body: OtlpLogsBody): z.output<typeof LogInput>[] {
  const items: unknown[] = [];
  for (const rl of body.resourceLogs) {
    const scope = scoping(rl.resource);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        const fields = attributes(r.attributes);
        const runId = typeof fields["symbia.run_id"] === "string" ? fields["symbia.run_id"] : undefined;
        const message = plain(r.body);
        const traceId = hexId(r.traceId, 16);
        const spanId = hexId(r.spanId, 8);
        const time = r.timeUnixNano && String(r.timeUnixNano) !== "0" ? r.timeUnixNano : r.observedTimeUnixNano;
        items.push({
          ...scope,
          level: levelOf(r.severityNumber, r.severityText),
          message: message === undefined ? "" : typeof message === "string" ? message : JSON.stringify(message),
          ...(time && String(time) !== "0" ? { timestamp: iso(time) } : {}),
          fields,
          ...(traceId ? { traceId } : {}),
          ...(spanId ? { spanId } : {}),
          ...(runId ? { runId } : {}),
        });
      }
    }
  }
  return checked(LogInput, items, "body.logs");
}
