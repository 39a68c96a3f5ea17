import { randomBytes } from "node:crypto";
import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { z } from "zod";

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1" || v === "yes"));

/** The assistants service's own settings (on top of the shared ones from `loadBaseConfig`). */
export const AssistantsConfigSchema = z.object({
  /** IDENTITY_ISSUER: expected `iss` of access tokens (default: identity's base URL). */
  identityIssuer: z.string().min(1),
  /** ASSISTANTS_SERVICE_SECRET: the service's client secret at identity (catalog, integrations, messaging, relay). */
  serviceSecret: z.string().min(16).optional(),
  /** ASSISTANTS_INSTANCE_ID: this process's name in turn claims and run leases (default: random). */
  instanceId: z.string().min(1).max(100),
  /** ASSISTANTS_CLAIM_WINDOW_MS: how long bids for a message are collected before the winner is decided. */
  claimWindowMs: int(300),
  /** ASSISTANTS_RUN_LEASE_MS: a running run whose lease is older than this was left by a dead process. */
  runLeaseMs: int(30_000, 500),
  /** ASSISTANTS_RECOVERY_INTERVAL_MS: how often expired runs are looked for (0: only at start). */
  recoveryIntervalMs: int(15_000),
  /** ASSISTANTS_CATALOG_POLL_MS: how often published assistants are reloaded from catalog (0: only at start). */
  catalogPollMs: int(30_000),
  /** ASSISTANTS_CATALOG: load assistants from catalog (needs the service secret). */
  catalogEnabled: bool(true),
  /** ASSISTANTS_RELAY: join the network relay as `service:assistants` (needs the service secret). */
  relayEnabled: bool(true),
  /** ASSISTANTS_WEBHOOK_SECRET: checks `X-Symbia-Signature` of messaging's webhook (MESSAGING_WEBHOOK_SECRET). */
  webhookSecret: z.string().min(16).optional(),
  /** ASSISTANTS_WORKSPACES_DIR (or WORKSPACES_DIR): where code-tool workspaces live. */
  workspacesDir: z.string().min(1).default(".symbia/data/assistants/workspaces"),
  /** ASSISTANTS_BASH_ENABLED: the `bash` code tool runs only when true. */
  bashEnabled: bool(false),
  /** ASSISTANTS_DEFAULT_PROVIDER / ASSISTANTS_DEFAULT_MODEL: model of assistants that name none in an action. */
  defaultProvider: z.string().min(1).default("symbia-labs"),
  defaultModel: z.string().min(1).default("symbia-tiny-test"),
  /** ASSISTANTS_WEBHOOK_ALLOW_PRIVATE: let webhook.call reach private and loopback addresses (default: only outside production). */
  webhookAllowPrivate: z.boolean(),
  /** ASSISTANTS_LLM_TIMEOUT_MS: per-attempt timeout of an integrations call. */
  llmTimeoutMs: int(60_000, 100),
});

export type AssistantsConfig = BaseConfig &
  z.infer<typeof AssistantsConfigSchema> & {
    /** TELEMETRY_*, LOGGING_SERVICE_URL: request spans and warn+ log lines shipped to logging. */
    telemetry: TelemetryConfig;
  };

/**
 * Reads the assistants service's configuration from the environment: the only place the service
 * reads `process.env`.
 *
 * @throws z.ZodError naming each invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AssistantsConfig {
  const base = loadBaseConfig("assistants", env);
  const own = AssistantsConfigSchema.parse({
    identityIssuer: env.IDENTITY_ISSUER || base.serviceUrls.identity,
    serviceSecret: env.ASSISTANTS_SERVICE_SECRET || undefined,
    instanceId: env.ASSISTANTS_INSTANCE_ID || `asst-${process.pid}-${randomBytes(4).toString("hex")}`,
    claimWindowMs: env.ASSISTANTS_CLAIM_WINDOW_MS || undefined,
    runLeaseMs: env.ASSISTANTS_RUN_LEASE_MS || undefined,
    recoveryIntervalMs: env.ASSISTANTS_RECOVERY_INTERVAL_MS || undefined,
    catalogPollMs: env.ASSISTANTS_CATALOG_POLL_MS || undefined,
    catalogEnabled: env.ASSISTANTS_CATALOG || undefined,
    relayEnabled: env.ASSISTANTS_RELAY || undefined,
    webhookSecret: env.ASSISTANTS_WEBHOOK_SECRET || undefined,
    workspacesDir: env.ASSISTANTS_WORKSPACES_DIR || env.WORKSPACES_DIR || undefined,
    bashEnabled: env.ASSISTANTS_BASH_ENABLED || undefined,
    defaultProvider: env.ASSISTANTS_DEFAULT_PROVIDER || undefined,
    defaultModel: env.ASSISTANTS_DEFAULT_MODEL || undefined,
    llmTimeoutMs: env.ASSISTANTS_LLM_TIMEOUT_MS || undefined,
    webhookAllowPrivate: env.ASSISTANTS_WEBHOOK_ALLOW_PRIVATE ? ["true", "1", "yes"].includes(env.ASSISTANTS_WEBHOOK_ALLOW_PRIVATE) : base.env !== "production",
  });
  if (base.env === "production" && !own.serviceSecret) throw new Error("ASSISTANTS_SERVICE_SECRET is required in production");
  return { ...base, ...own, telemetry: telemetryConfigFromEnv(env) };
}
