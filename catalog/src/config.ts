import { fileURLToPath } from "node:url";
import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { z } from "zod";

/** The bootstrap file shipped with the service: platform resources every install starts with. */
export const DEFAULT_BOOTSTRAP_FILE = fileURLToPath(new URL("../bootstrap/platform.json", import.meta.url));

/** Media types artifacts may declare unless CATALOG_ARTIFACT_CONTENT_TYPES says otherwise (`type/*` wildcards allowed). */
export const DEFAULT_ARTIFACT_CONTENT_TYPES = [
  "application/octet-stream", "application/json", "application/gzip", "application/x-gzip", "application/zip", "application/x-tar",
  "application/wasm", "application/javascript", "application/pdf", "application/yaml", "application/x-ndjson", "text/*", "image/*",
];

const csv = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean) : undefined));

/** Catalog's own settings (on top of the shared ones from `loadBaseConfig`). */
export const CatalogConfigSchema = z.object({
  /** IDENTITY_ISSUER: expected `iss` of access tokens (default: identity's base URL). */
  identityIssuer: z.string().min(1),
  /** CATALOG_SERVICE_SECRET: catalog's client secret at identity (revocation feed, API-key introspection). */
  serviceSecret: z.string().min(16).optional(),
  /** CATALOG_ARTIFACTS_DIR: where artifact bytes are stored (layout in the README). */
  artifactsDir: z.string().min(1).default(".symbia/data/catalog/artifacts"),
  /** CATALOG_ARTIFACT_MAX_BYTES: largest artifact accepted (413 above); default 50 MB = 50,000,000 bytes. */
  artifactMaxBytes: z.coerce.number().int().min(1).max(5 * 1024 ** 3).default(50_000_000),
  /** CATALOG_ARTIFACT_CONTENT_TYPES: comma-separated media types artifacts may declare (`text/*` allowed). */
  artifactContentTypes: z.array(z.string().regex(/^[a-z0-9.+-]+\/([a-z0-9.+-]+|\*)$/, "type/subtype or type/*")).min(1).default(DEFAULT_ARTIFACT_CONTENT_TYPES),
  /** CATALOG_BOOTSTRAP_FILE: platform resources loaded at start; `off` disables. */
  bootstrapFile: z.string().min(1).nullable().default(DEFAULT_BOOTSTRAP_FILE),
  /** CATALOG_PLATFORM_ORG_ID: org that owns the bootstrap resources (keys fall back to it). */
  platformOrgId: z.string().min(1).max(100).default("platform"),
  /** CATALOG_RELAY: join the network relay as `service:catalog` and emit `catalog.resource.*` events (default true; needs CATALOG_SERVICE_SECRET). */
  relayEnabled: z.stringbool().default(true),
});

export type CatalogConfig = BaseConfig & z.infer<typeof CatalogConfigSchema> & {
  /** TELEMETRY_*, LOGGING_SERVICE_URL: request spans and warn+ log lines shipped to logging. */
  telemetry: TelemetryConfig;
};

/**
 * Reads catalog's configuration from the environment: the only place catalog reads
 * `process.env`.
 *
 * @throws z.ZodError naming each invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): CatalogConfig {
  const base = loadBaseConfig("catalog", env);
  const bootstrap = env.CATALOG_BOOTSTRAP_FILE?.trim();
  const own = CatalogConfigSchema.parse({
    identityIssuer: env.IDENTITY_ISSUER || base.serviceUrls.identity,
    serviceSecret: env.CATALOG_SERVICE_SECRET || undefined,
    artifactsDir: env.CATALOG_ARTIFACTS_DIR || undefined,
    artifactMaxBytes: env.CATALOG_ARTIFACT_MAX_BYTES || undefined,
    artifactContentTypes: csv.parse(env.CATALOG_ARTIFACT_CONTENT_TYPES),
    bootstrapFile: bootstrap === "off" ? null : bootstrap || undefined,
    platformOrgId: env.CATALOG_PLATFORM_ORG_ID || undefined,
    relayEnabled: env.CATALOG_RELAY || undefined,
  });
  // Without its secret catalog cannot follow revocations or check API keys: fine on a laptop, not in production.
  if (base.env === "production" && !own.serviceSecret) throw new Error("CATALOG_SERVICE_SECRET is required in production");
  return { ...base, ...own, telemetry: telemetryConfigFromEnv(env) };
}
