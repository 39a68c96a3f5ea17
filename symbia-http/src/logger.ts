import { pino, type DestinationStream, type Logger } from "pino";
import { currentContext } from "./context.js";

export type { Logger } from "pino";

/** Replacement text for redacted values. */
export const REDACTED = "[REDACTED]";

/**
 * True for keys whose values are secrets: authorization, cookie, password, any `…token`
 * (accessToken, refreshToken — but not `tokens` counts), apiKey, secret, credential(s),
 * privateKey. Case, dashes and underscores are ignored.
 */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return /(authorization|cookie|password|passwd|secret|credentials?|apikey|privatekey|token)$/.test(k) || k === "setcookie";
}

/**
 * A copy of `value` with every secret-keyed property (see {@link isSecretKey}) replaced by
 * `[REDACTED]`, at any depth. Cycles and depth beyond 12 are cut.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value) || depth > 12) return "[Truncated]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redactDeep(v, depth + 1, seen);
  return out;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go (default stdout); tests pass a stream to read them. */
  destination?: DestinationStream;
}

/**
 * The service's JSON logger (pino). Every line carries `service`, and inside a request context
 * its `traceId`, `spanId` and `requestId`; secrets are redacted at any depth ({@link redactDeep}).
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: "msg",
      mixin() {
        const context = currentContext();
        return context ? { traceId: context.traceId, spanId: context.spanId, requestId: context.requestId } : {};
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactDeep(object) as Record<string, unknown>,
      },
      serializers: { err: (err: unknown) => redactDeep(err) },
    },
    options.destination,
  );
}
