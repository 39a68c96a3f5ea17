import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { z } from "zod";

const days = (fallback: number) => z.coerce.number().int().min(1).max(3650).default(fallback);

/** Logging's own settings (on top of the shared ones from `loadBaseConfig`). */
export const LoggingConfigSchema = z.object({
  /** IDENTITY_SERVICE_URL (shared): where tokens are verified (JWKS, revocations, introspection). */
  identityUrl: z.url(),
  /** IDENTITY_ISSUER: expected `iss` of access tokens (default: identity's URL). */
  identityIssuer: z.string().min(1),
  /** LOGGING_SERVICE_SECRET: logging's client secret for its service-principal login. Required. */
  serviceSecret: z.string({ error: "LOGGING_SERVICE_SECRET is required (npm start generates it into .env)" }).min(16),
  /** INTEGRATIONS_SERVICE_URL (shared): the LLM gateway the analysis routes call. */
  integrationsUrl: z.url(),
  /** ANALYSIS_PROVIDER: integrations provider for summaries (default `symbia-labs`, the local models service). */
  analysisProvider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/).default("symbia-labs"),
  /** ANALYSIS_MODEL: model asked for summaries (default: the provider's default). */
  analysisModel: z.string().min(1).optional(),
  /** ANALYSIS_TIMEOUT_MS: longest wait for the LLM (default 60 s). */
  analysisTimeoutMs: z.coerce.number().int().min(100).default(60_000),
  /** RETENTION_{LOGS,METRICS,SPANS,OBJECTS}_DAYS: defaults for orgs without their own setting. */
  retentionDefaults: z.object({ logs: days(30), metrics: days(90), spans: days(30), objects: days(365) }),
  /** RETENTION_INTERVAL_MS: how often the retention job runs (default hourly; 0 disables it). */
  retentionIntervalMs: z.coerce.number().int().min(0).default(3_600_000),
  /** RETENTION_BATCH_SIZE: rows deleted per statement (default 1 000). */
  retentionBatchSize: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** TAIL_MAX_BUFFER_BYTES: bytes of events held for one slow live-tail client before it is dropped (default 1 MiB). */
  tailMaxBufferBytes: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** TAIL_MAX_CLIENTS: live-tail connections at once (default 1 000; more → 503). */
  tailMaxClients: z.coerce.number().int().min(1).default(1_000),
  /** TAIL_KEEPALIVE_MS: comment sent to idle tail clients (default 15 s). */
  tailKeepAliveMs: z.coerce.number().int().min(100).default(15_000),
});

export type LoggingConfig = BaseConfig & z.infer<typeof LoggingConfigSchema>;

/**
 * Reads logging's configuration from the environment: the only place logging reads `process.env`.
 *
 * @throws z.ZodError naming each missing or invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): LoggingConfig {
  const base = loadBaseConfig("logging", env);
  const own = LoggingConfigSchema.parse({
    identityUrl: base.serviceUrls.identity,
    identityIssuer: env.IDENTITY_ISSUER || base.serviceUrls.identity,
    serviceSecret: env.LOGGING_SERVICE_SECRET,
    integrationsUrl: base.serviceUrls.integrations,
    analysisProvider: env.ANALYSIS_PROVIDER || undefined,
    analysisModel: env.ANALYSIS_MODEL || undefined,
    analysisTimeoutMs: env.ANALYSIS_TIMEOUT_MS || undefined,
    retentionDefaults: {
      logs: env.RETENTION_LOGS_DAYS || undefined,
      metrics: env.RETENTION_METRICS_DAYS || undefined,
      spans: env.RETENTION_SPANS_DAYS || undefined,
      objects: env.RETENTION_OBJECTS_DAYS || undefined,
    },
    retentionIntervalMs: env.RETENTION_INTERVAL_MS || undefined,
    retentionBatchSize: env.RETENTION_BATCH_SIZE || undefined,
    tailMaxBufferBytes: env.TAIL_MAX_BUFFER_BYTES || undefined,
    tailMaxClients: env.TAIL_MAX_CLIENTS || undefined,
    tailKeepAliveMs: env.TAIL_KEEPALIVE_MS || undefined,
  });
  // Batches are bigger than the shared 1 MiB default allows; BODY_LIMIT_BYTES still overrides.
  return { ...base, ...own, bodyLimitBytes: env.BODY_LIMIT_BYTES ? base.bodyLimitBytes : 8 * 1024 * 1024 };
}
