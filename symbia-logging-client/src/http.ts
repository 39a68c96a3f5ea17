import type { RequestTelemetry } from "@symbia/http";
import type { LoggingClient } from "./client.js";
import { LEVEL_NUMBERS, LOG_LEVELS, type LogLevel } from "./schemas.js";

/**
 * `@symbia/http` telemetry hooks that ship one server span per request: name `<METHOD> <route
 * template>`, the request's own trace/span/parent ids, OpenTelemetry HTTP attribute names
 * (`http.request.method`, `http.route`, `http.response.status_code`, `url.path`), status `error`
 * for 5xx. The span goes to the org the request acted in, else the client's org.
 *
 * @example createServer({ ..., telemetry: requestTelemetry(client) })
 */
export function requestTelemetry(client: LoggingClient, options: { ignore?: (path: string) => boolean } = {}): RequestTelemetry {
  // Probes and scrapes would drown the traces that matter.
  const ignore = options.ignore ?? ((path: string) => path.startsWith("/health") || path === "/metrics");
  return {
    onRequestEnd(info) {
      if (ignore(info.path)) return;
      const route = info.route ?? "unmatched";
      client.span({
        traceId: info.traceId,
        spanId: info.spanId,
        ...(info.parentSpanId ? { parentSpanId: info.parentSpanId } : {}),
        name: `${info.method} ${route}`,
        kind: "server",
        startTime: new Date(info.startTimeMs).toISOString(),
        endTime: new Date(info.startTimeMs + Math.ceil(info.durationMs)).toISOString(),
        durationMs: info.durationMs,
        status: info.status >= 500 ? "error" : "unset",
        ...(info.status >= 500 ? { statusMessage: `HTTP ${info.status}` } : {}),
        attributes: {
          "http.request.method": info.method,
          "http.route": route,
          "http.response.status_code": info.status,
          "url.path": info.path.slice(0, 2048),
          "symbia.request_id": info.requestId,
          ...(info.principalId ? { "enduser.id": info.principalId } : {}),
          ...(info.aborted ? { "symbia.aborted": true } : {}),
        },
        ...(info.orgId ? { orgId: info.orgId } : {}),
      });
    },
  };
}

/** Options of {@link telemetryDestination}. */
export interface TelemetryDestinationOptions {
  /** Lines at or above this level are shipped (default `warn`). */
  minLevel?: LogLevel;
  /** Where every line is also written (default: standard output); `null` for nowhere. */
  forward?: { write(line: string): unknown } | null;
}

const HOUSEKEEPING = new Set(["level", "time", "msg", "service", "traceId", "spanId", "requestId", "pid", "hostname", "v"]);

/**
 * A pino destination (`createLogger({ destination })`) that writes every line on as before and
 * ships those at or above `minLevel` to logging, keeping their trace and span ids and their other
 * properties as fields (already redacted by `@symbia/http`'s logger). A line's `orgId`, when
 * present, is the org it is stored in.
 */
export function telemetryDestination(client: LoggingClient, options: TelemetryDestinationOptions = {}): { write(line: string): void } {
  const min = LEVEL_NUMBERS[options.minLevel ?? "warn"];
  const forward = options.forward === undefined ? process.stdout : options.forward;
  return {
    write(line: string) {
      forward?.write(line);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const level = typeof parsed.level === "number" ? LOG_LEVELS.find((l) => LEVEL_NUMBERS[l] === parsed.level) : (parsed.level as LogLevel | undefined);
      if (!level || !(level in LEVEL_NUMBERS) || LEVEL_NUMBERS[level] < min) return;
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(parsed)) if (!HOUSEKEEPING.has(k) && /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(k) && Object.keys(fields).length < 64) fields[k] = v;
      const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
      const traceId = str(parsed.traceId);
      const spanId = str(parsed.spanId);
      const orgId = str(parsed.orgId);
      client.log({
        level,
        message: (str(parsed.msg) ?? "(no message)").slice(0, 65_536),
        ...(typeof parsed.time === "string" ? { timestamp: parsed.time } : {}),
        fields,
        ...(traceId ? { traceId } : {}),
        ...(spanId && /^[0-9a-f]{16}$/.test(spanId) ? { spanId } : {}),
        ...(orgId ? { orgId } : {}),
      });
    },
  };
}
