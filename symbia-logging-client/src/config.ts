import { serviceUrl } from "@symbia/sys";
import { z } from "zod";
import { LogLevel } from "./schemas.js";

/** How a service ships its telemetry (read by each service's `config.ts` through {@link telemetryConfigFromEnv}). */
export const TelemetryConfigSchema = z.object({
  /** TELEMETRY_ENABLED: ship telemetry to logging (default true, false when NODE_ENV=test). */
  enabled: z.boolean(),
  /** LOGGING_SERVICE_URL: logging's base URL. */
  url: z.url(),
  /** TELEMETRY_BATCH_SIZE: events per request (default 200). */
  batchSize: z.coerce.number().int().min(1).max(5_000).default(200),
  /** TELEMETRY_FLUSH_MS: longest wait before a partial batch is sent (default 1 000). */
  flushIntervalMs: z.coerce.number().int().min(10).default(1_000),
  /** TELEMETRY_MAX_QUEUE: events held at most; more are dropped and counted (default 10 000). */
  maxQueue: z.coerce.number().int().min(1).default(10_000),
  /** TELEMETRY_LOG_LEVEL: log lines at or above it are shipped (default warn). */
  logLevel: LogLevel.default("warn"),
});
export type TelemetryConfig = z.infer<typeof TelemetryConfigSchema>;

/**
 * Reads the telemetry settings from `env` (a service's `config.ts` passes `process.env`).
 *
 * @throws z.ZodError naming each invalid variable.
 */
export function telemetryConfigFromEnv(env: Readonly<Record<string, string | undefined>>): TelemetryConfig {
  const enabled = env.TELEMETRY_ENABLED ? z.stringbool().parse(env.TELEMETRY_ENABLED) : env.NODE_ENV !== "test";
  return TelemetryConfigSchema.parse({
    enabled,
    url: serviceUrl("logging", env),
    batchSize: env.TELEMETRY_BATCH_SIZE || undefined,
    flushIntervalMs: env.TELEMETRY_FLUSH_MS || undefined,
    maxQueue: env.TELEMETRY_MAX_QUEUE || undefined,
    logLevel: env.TELEMETRY_LOG_LEVEL || undefined,
  });
}
