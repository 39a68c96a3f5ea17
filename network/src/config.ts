import { fileURLToPath } from "node:url";
import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { MIN_NETWORK_SECRET_BYTES } from "@symbia/relay";
import { z } from "zod";

const ms = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const shippedDefaults = fileURLToPath(new URL("../config/default-contracts.yaml", import.meta.url));

/** Network's own settings (on top of the shared ones from `loadBaseConfig`). */
export const NetworkConfigSchema = z
  .object({
    /** NETWORK_HASH_SECRET: the secret every node key is derived from (HKDF). Required, ≥ 32 bytes. */
    hashSecret: z
      .string({ error: "NETWORK_HASH_SECRET is required (npm start generates it into .env)" })
      .refine((v) => Buffer.byteLength(v, "utf8") >= MIN_NETWORK_SECRET_BYTES, `NETWORK_HASH_SECRET must be at least ${MIN_NETWORK_SECRET_BYTES} bytes`),
    /** NETWORK_SERVICE_SECRET: network's client secret at identity (service login). Required. */
    serviceSecret: z.string({ error: "NETWORK_SERVICE_SECRET is required (npm start generates it into .env)" }).min(16, "NETWORK_SERVICE_SECRET must be at least 16 characters"),
    /** IDENTITY_ISSUER: `iss` of identity's tokens (default: identity's URL, as identity itself defaults). */
    identityIssuer: z.string().min(1),
    /** NETWORK_DEFAULT_CONTRACTS_PATH: the platform's default contracts (JSON or YAML), synced at start. */
    defaultContractsPath: z.string().min(1).default(shippedDefaults),
    /** NETWORK_EVENT_HISTORY_MAX: events kept in the history (all orgs together); older ones are pruned. */
    eventHistoryMax: z.coerce.number().int().min(100).default(100_000),
    /** NETWORK_EVENT_MAX_AGE_MS: oldest event timestamp accepted (replay window). */
    eventMaxAgeMs: ms(60_000, 1_000),
    /** NETWORK_EVENT_MAX_FUTURE_MS: furthest-future event timestamp accepted (clock skew). */
    eventMaxFutureMs: ms(5_000),
    /** NETWORK_REPLAY_CACHE_MAX: event ids remembered to refuse replays (memory bound). */
    replayCacheMax: z.coerce.number().int().min(1_000).default(100_000),
    /** NETWORK_HEARTBEAT_INTERVAL_MS: how often nodes are told to heartbeat. */
    heartbeatIntervalMs: ms(10_000, 50),
    /** NETWORK_HEARTBEAT_TIMEOUT_MS: a node silent this long is marked down. */
    heartbeatTimeoutMs: ms(30_000, 100),
    /** NETWORK_NODE_REMOVAL_MS: a node down this long is removed (its bindings go with it). */
    nodeRemovalMs: ms(60_000),
    /** NETWORK_SWEEP_INTERVAL_MS: how often liveness is checked and the history pruned. */
    sweepIntervalMs: ms(5_000, 20),
    /** NETWORK_TABLES_REFRESH_MS: how often contracts and policies are reread (changes made by other instances). */
    tablesRefreshMs: ms(5_000, 100),
    /** Delivery: NETWORK_DELIVERY_* (ack timeout of a socket delivery, HTTP timeout, retries and backoff, wait for a reconnecting node). */
    delivery: z.object({
      socketAckTimeoutMs: ms(5_000, 50),
      httpTimeoutMs: ms(5_000, 50),
      httpRetries: z.coerce.number().int().min(0).max(10).default(3),
      httpBackoffMs: ms(250, 1),
      socketWaitMs: ms(5_000),
    }),
    /** NETWORK_PLATFORM_HEALTH_TIMEOUT_MS: how long `/api/platform/health` waits for each service. */
    platformHealthTimeoutMs: ms(2_000, 50),
  })
  .superRefine((c, ctx) => {
    if (c.heartbeatTimeoutMs <= c.heartbeatIntervalMs) {
      ctx.addIssue({ code: "custom", path: ["heartbeatTimeoutMs"], message: "NETWORK_HEARTBEAT_TIMEOUT_MS must be longer than NETWORK_HEARTBEAT_INTERVAL_MS" });
    }
  });

export type NetworkConfig = BaseConfig &
  z.infer<typeof NetworkConfigSchema> & {
    /** TELEMETRY_*, LOGGING_SERVICE_URL: request and relay-hop spans and warn+ log lines shipped to logging. */
    telemetry: TelemetryConfig;
  };

/**
 * Reads the network's configuration from the environment: the only place the network reads
 * `process.env`.
 *
 * @throws z.ZodError naming each missing or invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): NetworkConfig {
  const base = loadBaseConfig("network", env);
  const own = NetworkConfigSchema.parse({
    hashSecret: env.NETWORK_HASH_SECRET,
    serviceSecret: env.NETWORK_SERVICE_SECRET,
    identityIssuer: env.IDENTITY_ISSUER || base.serviceUrls.identity,
    defaultContractsPath: env.NETWORK_DEFAULT_CONTRACTS_PATH || undefined,
    eventHistoryMax: env.NETWORK_EVENT_HISTORY_MAX || undefined,
    eventMaxAgeMs: env.NETWORK_EVENT_MAX_AGE_MS || undefined,
    eventMaxFutureMs: env.NETWORK_EVENT_MAX_FUTURE_MS || undefined,
    replayCacheMax: env.NETWORK_REPLAY_CACHE_MAX || undefined,
    heartbeatIntervalMs: env.NETWORK_HEARTBEAT_INTERVAL_MS || undefined,
    heartbeatTimeoutMs: env.NETWORK_HEARTBEAT_TIMEOUT_MS || undefined,
    nodeRemovalMs: env.NETWORK_NODE_REMOVAL_MS || undefined,
    sweepIntervalMs: env.NETWORK_SWEEP_INTERVAL_MS || undefined,
    tablesRefreshMs: env.NETWORK_TABLES_REFRESH_MS || undefined,
    delivery: {
      socketAckTimeoutMs: env.NETWORK_DELIVERY_ACK_TIMEOUT_MS || undefined,
      httpTimeoutMs: env.NETWORK_DELIVERY_HTTP_TIMEOUT_MS || undefined,
      httpRetries: env.NETWORK_DELIVERY_HTTP_RETRIES || undefined,
      httpBackoffMs: env.NETWORK_DELIVERY_HTTP_BACKOFF_MS || undefined,
      socketWaitMs: env.NETWORK_DELIVERY_SOCKET_WAIT_MS || undefined,
    },
    platformHealthTimeoutMs: env.NETWORK_PLATFORM_HEALTH_TIMEOUT_MS || undefined,
  });
  return { ...base, ...own, telemetry: telemetryConfigFromEnv(env) };
}
