import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { SERVICE_IDS, envPrefix, type ServiceId } from "@symbia/sys";
import { z } from "zod";

const secret = (name: string) =>
  z.string({ error: `${name} is required (npm start generates it into .env)` }).min(32, `${name} must be at least 32 characters`);

/** Identity's own settings (on top of the shared ones from `loadBaseConfig`). */
export const IdentityConfigSchema = z.object({
  /** IDENTITY_ISSUER: `iss` of every token (default: identity's base URL). */
  issuer: z.string().min(1),
  /** ACCESS_TOKEN_TTL_SECONDS: access token lifetime (default 15 min). */
  accessTokenTtlSeconds: z.coerce.number().int().min(10).max(86_400).default(900),
  /** REFRESH_TOKEN_TTL_SECONDS: refresh token lifetime (default 7 days). */
  refreshTokenTtlSeconds: z.coerce.number().int().min(60).default(7 * 86_400),
  /** BCRYPT_COST: password hashing cost (default 12; tests use 4). */
  bcryptCost: z.coerce.number().int().min(4).max(15).default(12),
  /** CREDENTIAL_ENCRYPTION_KEY: master key of the vault (HKDF input). Required. */
  credentialKey: secret("CREDENTIAL_ENCRYPTION_KEY"),
  /** SESSION_SECRET: seals the signing keys at rest and signs CSRF tokens. Required. */
  sessionSecret: secret("SESSION_SECRET"),
  /** {SERVICE}_SERVICE_SECRET for each platform service: client-credentials login secrets. */
  serviceSecrets: z.record(z.string(), z.string().min(16)),
  /** IDENTITY_OPEN_REGISTRATION: anyone may register (and create an org). Default true. */
  openRegistration: z.stringbool().default(true),
  /** SYMBIA_ADMIN_*: create this super admin and org at start, once, when no user exists. */
  bootstrapAdmin: z.object({ email: z.email(), password: z.string(), name: z.string().default("Administrator"), org: z.string().default("Symbia") }).optional(),
  /** IDENTITY_KEY_ROTATION_DAYS: rotate the signing key at start when it is older (default 30). */
  keyRotationDays: z.coerce.number().int().min(1).default(30),
  /** PASSWORD_RESET_TTL_MINUTES: lifetime of a reset token (default 30). */
  passwordResetTtlMinutes: z.coerce.number().int().min(1).max(1440).default(30),
  /** PASSWORD_RESET_WEBHOOK_URL: where self-service reset tokens are delivered (POST). */
  passwordResetWebhookUrl: z.url().optional(),
  /** AUTH_RATE_LIMIT_POINTS per AUTH_RATE_LIMIT_SECONDS: login/register/refresh/reset per IP. */
  authRateLimit: z.object({ points: z.coerce.number().int().min(1).default(20), durationSeconds: z.coerce.number().int().min(1).default(60) }),
  /** LOGIN_FAILURES_PER_ACCOUNT per 15 minutes before an account's logins are refused (default 10). */
  loginFailuresPerAccount: z.coerce.number().int().min(1).default(10),
  /** PASSWORD_RESET_REQUESTS_PER_ACCOUNT per hour: reset requests for one email address (default 5), counted whether or not it exists. */
  passwordResetRequestsPerAccount: z.coerce.number().int().min(1).default(5),
  /** IDENTITY_JOIN_NETWORK: join the network (NETWORK_SERVICE_URL) as node service:identity; default true, false under NODE_ENV=test. */
  joinNetwork: z.stringbool(),
});

export type IdentityConfig = BaseConfig & z.infer<typeof IdentityConfigSchema> & {
  /** TELEMETRY_*, LOGGING_SERVICE_URL: request spans and warn+ log lines shipped to logging. */
  telemetry: TelemetryConfig;
};

/**
 * Reads identity's configuration from the environment: the only place identity reads
 * `process.env`.
 *
 * @throws z.ZodError naming each missing or invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): IdentityConfig {
  const base = loadBaseConfig("identity", env);
  const serviceSecrets: Partial<Record<ServiceId, string>> = {};
  for (const id of SERVICE_IDS) {
    const value = env[`${envPrefix(id)}_SERVICE_SECRET`];
    if (value) serviceSecrets[id] = value;
  }
  const admin = env.SYMBIA_ADMIN_EMAIL && env.SYMBIA_ADMIN_PASSWORD
    ? { email: env.SYMBIA_ADMIN_EMAIL, password: env.SYMBIA_ADMIN_PASSWORD, name: env.SYMBIA_ADMIN_NAME || undefined, org: env.SYMBIA_ADMIN_ORG || undefined }
    : undefined;
  const own = IdentityConfigSchema.parse({
    issuer: env.IDENTITY_ISSUER || base.serviceUrls.identity,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS || undefined,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS || undefined,
    bcryptCost: env.BCRYPT_COST || undefined,
    credentialKey: env.CREDENTIAL_ENCRYPTION_KEY,
    sessionSecret: env.SESSION_SECRET,
    serviceSecrets,
    openRegistration: env.IDENTITY_OPEN_REGISTRATION || undefined,
    bootstrapAdmin: admin,
    keyRotationDays: env.IDENTITY_KEY_ROTATION_DAYS || undefined,
    passwordResetTtlMinutes: env.PASSWORD_RESET_TTL_MINUTES || undefined,
    passwordResetWebhookUrl: env.PASSWORD_RESET_WEBHOOK_URL || undefined,
    authRateLimit: { points: env.AUTH_RATE_LIMIT_POINTS || undefined, durationSeconds: env.AUTH_RATE_LIMIT_SECONDS || undefined },
    loginFailuresPerAccount: env.LOGIN_FAILURES_PER_ACCOUNT || undefined,
    passwordResetRequestsPerAccount: env.PASSWORD_RESET_REQUESTS_PER_ACCOUNT || undefined,
    joinNetwork: env.IDENTITY_JOIN_NETWORK || (base.env === "test" ? "false" : "true"),
  });
  return { ...base, ...own, telemetry: telemetryConfigFromEnv(env) };
}
