import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { z } from "zod";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Runtime's own settings (on top of the shared ones from `loadBaseConfig`). */
export const RuntimeConfigSchema = z.object({
  /** IDENTITY_ISSUER: expected `iss` of access tokens (default: identity's base URL). */
  identityIssuer: z.string().min(1),
  /** RUNTIME_SERVICE_SECRET: runtime's client secret at identity (catalog reads, revocation feed, API-key introspection). */
  serviceSecret: z.string().min(16).optional(),
  /** RUNTIME_CATALOG_PLATFORM_ORG_ID: the org holding the platform's catalog resources (catalog's CATALOG_PLATFORM_ORG_ID). */
  platformOrgId: z.string().min(1).max(100).default("platform"),
  /** RUNTIME_QUEUE_CAPACITY: default bound of an execution's input queue, in values (an execution may set its own). */
  queueCapacity: int(1, 100_000).default(1_000),
  /** RUNTIME_METRICS_INTERVAL_MS: default period of metrics/progress events of an execution, ms (0 = off). */
  metricsIntervalMs: int(0, 60_000).default(1_000),
  /** RUNTIME_EMISSION_SAMPLE_EVERY: default sampling of port emissions (one event per this many values). */
  emissionSampleEvery: int(1, 1_000_000).default(10),
  /** RUNTIME_CHECKPOINT_INTERVAL_MS: period of checkpoints of live executions whose state moved, ms (0 = off). */
  checkpointIntervalMs: int(0, 3_600_000).default(5_000),
  /** RUNTIME_MAX_LIVE_EXECUTIONS: most executions live in this engine at once (503 above). */
  maxLiveExecutions: int(1, 10_000).default(200),
  /** RUNTIME_INJECT_WAIT_MAX_MS: longest an `inject?wait=true` request waits for room before answering 429, ms. */
  injectWaitMaxMs: int(0, 120_000).default(10_000),
  /** RUNTIME_SOCKET_EMISSIONS_PER_SECOND: most `execution:emission` events relayed per execution per second. */
  socketEmissionsPerSecond: int(1, 10_000).default(20),
});

export type RuntimeConfig = BaseConfig &
  z.infer<typeof RuntimeConfigSchema> & {
    /** TELEMETRY_*, LOGGING_SERVICE_URL: request spans, execution spans, state logs and node metrics shipped to logging. */
    telemetry: TelemetryConfig;
  };

/**
 * Reads runtime's configuration from the environment: the only place runtime reads `process.env`.
 *
 * @throws z.ZodError naming each invalid variable; Error when RUNTIME_SERVICE_SECRET is missing in production.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): RuntimeConfig {
  const base = loadBaseConfig("runtime", env);
  const own = RuntimeConfigSchema.parse({
    identityIssuer: env.IDENTITY_ISSUER || base.serviceUrls.identity,
    serviceSecret: env.RUNTIME_SERVICE_SECRET || undefined,
    platformOrgId: env.RUNTIME_CATALOG_PLATFORM_ORG_ID || undefined,
    queueCapacity: env.RUNTIME_QUEUE_CAPACITY || undefined,
    metricsIntervalMs: env.RUNTIME_METRICS_INTERVAL_MS || undefined,
    emissionSampleEvery: env.RUNTIME_EMISSION_SAMPLE_EVERY || undefined,
    checkpointIntervalMs: env.RUNTIME_CHECKPOINT_INTERVAL_MS || undefined,
    maxLiveExecutions: env.RUNTIME_MAX_LIVE_EXECUTIONS || undefined,
    injectWaitMaxMs: env.RUNTIME_INJECT_WAIT_MAX_MS || undefined,
    socketEmissionsPerSecond: env.RUNTIME_SOCKET_EMISSIONS_PER_SECOND || undefined,
  });
  // Without its secret runtime cannot read catalog graphs, follow revocations or check API keys:
  // fine on a laptop, not in production.
  if (base.env === "production" && !own.serviceSecret) throw new Error("RUNTIME_SERVICE_SECRET is required in production");
  return { ...base, ...own, telemetry: telemetryConfigFromEnv(env) };
}
