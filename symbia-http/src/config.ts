import { databaseConfigFromEnv, type DatabaseConfig } from "@symbia/db";
import { envPrefix, getService, serviceUrls, type ServiceId } from "@symbia/sys";
import { z } from "zod";

const csv = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []));
const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/** Settings every service shares, read from the environment by {@link loadBaseConfig}. */
export const BaseConfigSchema = z.object({
  /** NODE_ENV: development, test or production. */
  env: z.enum(["development", "test", "production"]).default("development"),
  /** {SERVICE}_HOST, else HOST: interface to bind (0.0.0.0 in containers). */
  host: z.string().default("127.0.0.1"),
  /** {SERVICE}_PORT, else PORT, else the service's default port. */
  port: z.coerce.number().int().min(0).max(65535),
  /** LOG_LEVEL: pino level. */
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** BODY_LIMIT_BYTES: largest JSON body accepted (413 above). */
  bodyLimitBytes: int(1024 * 1024),
  /** CORS_ORIGINS: comma-separated origins allowed to call the API from a browser. */
  corsOrigins: csv,
  /** RATE_LIMIT_POINTS per RATE_LIMIT_DURATION_SECONDS, per principal, API key or IP (0 disables). */
  rateLimit: z.object({ points: int(1200), durationSeconds: z.coerce.number().int().positive().default(60) }),
  /** SHUTDOWN_DELAY_MS: time answering not-ready before draining; SHUTDOWN_GRACE_MS: drain limit. */
  shutdown: z.object({ preShutdownDelayMs: int(1000), graceMs: int(10_000) }),
});

/** The shared settings plus what the env says about the database and the other services. */
export type BaseConfig = z.infer<typeof BaseConfigSchema> & {
  service: ServiceId;
  database: DatabaseConfig;
  /** Base URL of every service (`{SERVICE}_SERVICE_URL` or the default port on 127.0.0.1). */
  serviceUrls: Record<ServiceId, string>;
};

/**
 * Reads the settings every service shares from `env` (a service's `config.ts` passes
 * `process.env`).
 *
 * @throws z.ZodError naming each invalid variable's path.
 */
export function loadBaseConfig(service: ServiceId, env: Readonly<Record<string, string | undefined>>): BaseConfig {
  const prefix = envPrefix(service);
  const parsed = BaseConfigSchema.parse({
    env: env.NODE_ENV || undefined,
    host: env[`${prefix}_HOST`] || env.HOST || undefined,
    port: env[`${prefix}_PORT`] || env.PORT || getService(service).port,
    logLevel: env.LOG_LEVEL || undefined,
    bodyLimitBytes: env.BODY_LIMIT_BYTES || undefined,
    corsOrigins: env.CORS_ORIGINS,
    rateLimit: { points: env.RATE_LIMIT_POINTS || undefined, durationSeconds: env.RATE_LIMIT_DURATION_SECONDS || undefined },
    shutdown: { preShutdownDelayMs: env.SHUTDOWN_DELAY_MS || undefined, graceMs: env.SHUTDOWN_GRACE_MS || undefined },
  });
  return { ...parsed, service, database: databaseConfigFromEnv(service, env), serviceUrls: serviceUrls(env) };
}
