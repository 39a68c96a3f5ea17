import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { z } from "zod";
import { OPERATIONS, ProviderId, type ProviderRef } from "./execute/execute.schemas.js";

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1" || v === "yes"));
const json = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return fallback;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** The four provider kinds: which SDK (and wire format) a provider is reached with. */
export const PROVIDER_KINDS = ["openai", "anthropic", "huggingface", "symbia-labs"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const DefaultModels = z.partialRecord(z.enum(OPERATIONS), z.string().min(1).max(200));

/** One entry of INTEGRATIONS_PROVIDERS: overrides a built-in provider or adds one (then `kind` is required). */
export const ProviderOverride = z.strictObject({
  kind: z.enum(PROVIDER_KINDS).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Name of the environment variable holding this provider's API key (read here, in config.ts). */
  apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
  /** Provider name of the credential in identity's vault (default: the provider id). */
  credentialProvider: z.string().min(1).max(63).optional(),
  defaultModels: DefaultModels.optional(),
  models: z.array(z.string().min(1).max(200)).max(500).optional(),
  /** Default generation parameters (`temperature`, `maxTokens`, `topP`), under the request's own. */
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** Per-attempt timeout for this provider, ms. */
  timeoutMs: z.int().min(100).optional(),
});
export type ProviderOverride = z.infer<typeof ProviderOverride>;

/** A provider as configured from the environment. */
export interface ProviderConfig {
  id: string;
  kind: ProviderKind;
  /** SDK base URL (OpenAI kinds: up to `/v1`; Anthropic: the API root; Hugging Face: the router's `hf-inference` root). */
  baseUrl?: string;
  /** The service's own key for this provider (from the environment), used when the vault has none. */
  envApiKey?: string;
  credentialProvider: string;
  defaultModels: Partial<Record<(typeof OPERATIONS)[number], string>>;
  models: string[];
  parameters: Record<string, unknown>;
  timeoutMs?: number;
}

/** A price in USD per million tokens. */
export const Price = z.strictObject({ prompt: z.number().min(0), completion: z.number().min(0) });

/** Per-org settings from INTEGRATIONS_ORG_SETTINGS. */
export const OrgSettings = z.strictObject({ defaultProvider: ProviderId.optional(), fallback: z.array(z.string()).max(5).optional() });

/** `provider` or `provider:model` (split at the first colon: `ollama:llama3:8b`). */
export function parseProviderRef(text: string): ProviderRef {
  const at = text.indexOf(":");
  const ref = at < 0 ? { provider: text.trim() } : { provider: text.slice(0, at).trim(), model: text.slice(at + 1).trim() };
  return ProviderRefText.parse(ref);
}
const ProviderRefText = z.object({ provider: ProviderId, model: z.string().min(1).max(200).optional() });

/** The gateway's own settings. */
export const GatewaySettingsSchema = z.object({
  /** INTEGRATIONS_DEFAULT_PROVIDER: provider used when a request names none (symbia-labs needs no key and no network). */
  defaultProvider: ProviderId.default("symbia-labs"),
  /** INTEGRATIONS_FALLBACK: default fallback list, `provider[:model]` comma-separated, tried in order when the chosen provider fails. */
  fallback: z.array(z.string()).default([]),
  /** INTEGRATIONS_ORG_SETTINGS: JSON `{orgId: {defaultProvider?, fallback?: ["provider[:model]"]}}`. */
  orgSettings: z.record(z.string(), OrgSettings).default({}),
  /** INTEGRATIONS_TIMEOUT_MS: default per-attempt timeout (whole answer, or first stream event), ms. */
  timeoutMs: int(60_000, 100),
  /** INTEGRATIONS_MAX_TIMEOUT_MS: ceiling of a request's own `timeoutMs`. */
  maxTimeoutMs: int(600_000, 100),
  /** INTEGRATIONS_STREAM_IDLE_TIMEOUT_MS: longest silence between two stream events before the stream is aborted. */
  streamIdleTimeoutMs: int(60_000, 100),
  /** INTEGRATIONS_MAX_RETRIES: retries per provider on retryable errors (rate limit, provider error, timeout). */
  maxRetries: int(2),
  /** INTEGRATIONS_RETRY_BASE_MS: first backoff, doubled at each retry, with jitter. */
  retryBaseMs: int(250, 1),
  /** INTEGRATIONS_RETRY_MAX_MS: longest backoff; a provider asking to wait longer (Retry-After) is not retried but fallen back from. */
  retryMaxMs: int(5_000, 1),
  /** INTEGRATIONS_BREAKER_ERROR_PERCENT: share of failing calls in the window that opens a provider's circuit. */
  breakerErrorPercent: int(50, 1),
  /** INTEGRATIONS_BREAKER_VOLUME: calls needed in the window before the circuit may open. */
  breakerVolume: int(5, 1),
  /** INTEGRATIONS_BREAKER_WINDOW_MS: rolling window of the failure statistics. */
  breakerWindowMs: int(10_000, 100),
  /** INTEGRATIONS_BREAKER_RESET_MS: how long an open circuit fails fast before one trial call (half-open). */
  breakerResetMs: int(30_000, 10),
  /** INTEGRATIONS_LEDGER_QUEUE_SIZE: usage records waiting to be written; beyond it records are dropped (and counted). */
  ledgerQueueSize: int(10_000, 1),
  /** INTEGRATIONS_LEDGER_BATCH_SIZE: rows per insert. */
  ledgerBatchSize: int(200, 1),
  /** INTEGRATIONS_LEDGER_FLUSH_MS: longest a record waits before being written. */
  ledgerFlushMs: int(200, 1),
  /** INTEGRATIONS_DAILY_TOKEN_LIMIT: platform ceiling of tokens per org per UTC day (0 = none); org budgets can only lower it. */
  dailyTokenLimit: int(0),
  /** INTEGRATIONS_DAILY_REQUEST_LIMIT: platform ceiling of provider calls per org per UTC day (0 = none). */
  dailyRequestLimit: int(0),
  /** INTEGRATIONS_CREDENTIAL_CACHE_MS: how long a credential resolved from identity's vault is reused, in memory only (0 = ask every call). */
  credentialCacheMs: int(30_000),
  /** INTEGRATIONS_CREDENTIAL_BASE_URLS: honour a vault credential's `metadata.baseUrl` (a principal's own OpenAI-compatible server). */
  credentialBaseUrls: bool(true),
  /** INTEGRATIONS_PRICES: JSON `{"provider/model" or "provider/*": {prompt, completion}}` in USD per million tokens. */
  prices: z.record(z.string(), Price).default({}),
  /** INTEGRATIONS_MODEL_CONFIG: where provider configuration comes from: catalog's `integration` resources over the environment's (env when catalog is unreachable), or the environment only. */
  modelConfig: z.enum(["env", "catalog"]).default("catalog"),
  /** INTEGRATIONS_CATALOG_PLATFORM_ORG_ID: the org owning the platform's public integration resources (catalog's CATALOG_PLATFORM_ORG_ID). */
  catalogPlatformOrgId: z.string().min(1).max(100).default("platform"),
  /** INTEGRATIONS_CATALOG_CACHE_MS: how long an org's catalog configuration is reused. */
  catalogCacheMs: int(30_000),
  /** INTEGRATIONS_RELAY: join the network relay as `service:integrations` for `llm.run.cancel|preempt` (default true, false under NODE_ENV=test; needs INTEGRATIONS_SERVICE_SECRET). */
  relayEnabled: bool(true),
});
export type GatewaySettings = z.infer<typeof GatewaySettingsSchema>;

/** How the service trusts identity's tokens and logs in to call identity, catalog and models. */
export const IdentitySettingsSchema = z.object({
  /** IDENTITY_ISSUER: expected `iss` of access tokens (default: identity's URL). */
  issuer: z.string().min(1),
  /** INTEGRATIONS_SERVICE_SECRET: this service's client-credentials secret (vault credentials, API keys, revocations, symbia-labs). */
  serviceSecret: z.string().min(1).optional(),
});

/** Everything the integrations service reads from its environment. */
export type IntegrationsConfig = BaseConfig & {
  gateway: GatewaySettings;
  providers: Record<string, ProviderConfig>;
  identity: z.infer<typeof IdentitySettingsSchema>;
  /** TELEMETRY_*, LOGGING_SERVICE_URL: request and LLM-call spans and warn+ log lines shipped to logging. */
  telemetry: TelemetryConfig;
};

const BUILT_IN: Record<string, { kind: ProviderKind; keyEnv?: string; baseUrlEnv?: string; defaultModels: ProviderConfig["defaultModels"]; parameters?: Record<string, unknown> }> = {
  openai: { kind: "openai", keyEnv: "OPENAI_API_KEY", baseUrlEnv: "OPENAI_BASE_URL", defaultModels: { chat: "gpt-4o-mini", generate: "gpt-4o-mini", embeddings: "text-embedding-3-small" } },
  anthropic: { kind: "anthropic", keyEnv: "ANTHROPIC_API_KEY", baseUrlEnv: "ANTHROPIC_BASE_URL", defaultModels: { chat: "claude-3-5-haiku-latest", generate: "claude-3-5-haiku-latest" }, parameters: { maxTokens: 1024 } },
  huggingface: {
    kind: "huggingface",
    keyEnv: "HUGGINGFACE_API_KEY",
    baseUrlEnv: "HUGGINGFACE_BASE_URL",
    defaultModels: { chat: "meta-llama/Llama-3.1-8B-Instruct", generate: "meta-llama/Llama-3.1-8B-Instruct", embeddings: "sentence-transformers/all-MiniLM-L6-v2" },
  },
  "symbia-labs": { kind: "symbia-labs", defaultModels: { chat: "symbia-tiny-test", generate: "symbia-tiny-test" } },
};

/**
 * Reads the integrations service's configuration (the only reader of `process.env` here): the
 * shared settings, the gateway's settings, the providers (four built in, each overridable, more
 * added by INTEGRATIONS_PROVIDERS) with their API keys, and identity's.
 *
 * @throws z.ZodError naming each invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): IntegrationsConfig {
  const base = loadBaseConfig("integrations", env);
  const csv = (v: string | undefined) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined);
  const gateway = GatewaySettingsSchema.extend({
    orgSettings: json(z.record(z.string(), OrgSettings), {}),
    prices: json(z.record(z.string(), Price), {}),
  }).parse({
    defaultProvider: env.INTEGRATIONS_DEFAULT_PROVIDER || undefined,
    fallback: csv(env.INTEGRATIONS_FALLBACK),
    orgSettings: env.INTEGRATIONS_ORG_SETTINGS,
    timeoutMs: env.INTEGRATIONS_TIMEOUT_MS || undefined,
    maxTimeoutMs: env.INTEGRATIONS_MAX_TIMEOUT_MS || undefined,
    streamIdleTimeoutMs: env.INTEGRATIONS_STREAM_IDLE_TIMEOUT_MS || undefined,
    maxRetries: env.INTEGRATIONS_MAX_RETRIES || undefined,
    retryBaseMs: env.INTEGRATIONS_RETRY_BASE_MS || undefined,
    retryMaxMs: env.INTEGRATIONS_RETRY_MAX_MS || undefined,
    breakerErrorPercent: env.INTEGRATIONS_BREAKER_ERROR_PERCENT || undefined,
    breakerVolume: env.INTEGRATIONS_BREAKER_VOLUME || undefined,
    breakerWindowMs: env.INTEGRATIONS_BREAKER_WINDOW_MS || undefined,
    breakerResetMs: env.INTEGRATIONS_BREAKER_RESET_MS || undefined,
    ledgerQueueSize: env.INTEGRATIONS_LEDGER_QUEUE_SIZE || undefined,
    ledgerBatchSize: env.INTEGRATIONS_LEDGER_BATCH_SIZE || undefined,
    ledgerFlushMs: env.INTEGRATIONS_LEDGER_FLUSH_MS || undefined,
    dailyTokenLimit: env.INTEGRATIONS_DAILY_TOKEN_LIMIT || undefined,
    dailyRequestLimit: env.INTEGRATIONS_DAILY_REQUEST_LIMIT || undefined,
    credentialCacheMs: env.INTEGRATIONS_CREDENTIAL_CACHE_MS || undefined,
    credentialBaseUrls: env.INTEGRATIONS_CREDENTIAL_BASE_URLS || undefined,
    prices: env.INTEGRATIONS_PRICES,
    modelConfig: env.INTEGRATIONS_MODEL_CONFIG || undefined,
    relayEnabled: env.INTEGRATIONS_RELAY || (env.NODE_ENV === "test" ? "false" : undefined),
    catalogCacheMs: env.INTEGRATIONS_CATALOG_CACHE_MS || undefined,
    catalogPlatformOrgId: env.INTEGRATIONS_CATALOG_PLATFORM_ORG_ID || undefined,
  });
  for (const ref of gateway.fallback) parseProviderRef(ref);

  const overrides = json(z.record(ProviderId, ProviderOverride), {}).parse(env.INTEGRATIONS_PROVIDERS);
  const providers: Record<string, ProviderConfig> = {};
  for (const id of new Set([...Object.keys(BUILT_IN), ...Object.keys(overrides)])) {
    const builtIn = BUILT_IN[id];
    const over = overrides[id] ?? {};
    const kind = over.kind ?? builtIn?.kind;
    if (!kind) throw new z.ZodError([{ code: "custom", path: ["INTEGRATIONS_PROVIDERS", id, "kind"], message: `provider ${id} is not built in: give its kind`, input: over }]);
    const keyEnv = over.apiKeyEnv ?? builtIn?.keyEnv;
    const envApiKey = keyEnv ? env[keyEnv]?.trim() || undefined : undefined;
    const baseUrl =
      over.baseUrl ??
      (builtIn?.baseUrlEnv ? z.url({ protocol: /^https?$/ }).optional().parse(env[builtIn.baseUrlEnv] || undefined) : undefined) ??
      (kind === "symbia-labs" ? `${base.serviceUrls.models}/v1` : undefined);
    providers[id] = {
      id,
      kind,
      ...(baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, "") } : {}),
      ...(envApiKey ? { envApiKey } : {}),
      credentialProvider: over.credentialProvider ?? id,
      defaultModels: { ...builtIn?.defaultModels, ...over.defaultModels },
      models: over.models ?? [],
      parameters: { ...builtIn?.parameters, ...over.parameters },
      ...(over.timeoutMs ? { timeoutMs: over.timeoutMs } : {}),
    };
  }
  if (!providers[gateway.defaultProvider]) throw new z.ZodError([{ code: "custom", path: ["INTEGRATIONS_DEFAULT_PROVIDER"], message: `unknown provider ${gateway.defaultProvider}`, input: gateway.defaultProvider }]);

  const identity = IdentitySettingsSchema.parse({ issuer: env.IDENTITY_ISSUER || base.serviceUrls.identity, serviceSecret: env.INTEGRATIONS_SERVICE_SECRET || undefined });
  return { ...base, gateway, providers, identity, telemetry: telemetryConfigFromEnv(env) };
}
