import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Logger } from "@symbia/http";
import { telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import type { IdentityConfig } from "./config.js";
import { deriveKey } from "./crypto/crypto.js";
import * as schema from "./db/schema.js";
import { KeyRing } from "./keys/keys.service.js";
import { identityTelemetry, selfServiceToken } from "./telemetry/telemetry.js";

export type IdentitySchema = typeof schema;

/** Everything identity's features need, built once at start (tests build it with their own config). */
export interface IdentityDeps {
  config: IdentityConfig;
  database: Database<IdentitySchema>;
  logger: Logger;
  keys: KeyRing;
  /** Vault keys by key id (HKDF of CREDENTIAL_ENCRYPTION_KEY); the first is used to seal. */
  vaultKeys: ReadonlyMap<string, Buffer>;
  vaultKeyId: string;
  /** Ships request spans and warn+ log lines to logging (absent when TELEMETRY_ENABLED is false). */
  telemetry?: LoggingClient;
}

export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/** Opens the database, loads (or creates) the signing keys and derives the vault key. */
export async function buildDeps(config: IdentityConfig, overrides: Partial<Pick<IdentityDeps, "database" | "logger">> = {}): Promise<IdentityDeps> {
  let deps: IdentityDeps | undefined;
  // The telemetry client's failures are reported on a logger that is not shipped (no feedback loop).
  const quiet = createLogger({ service: "identity", level: config.logLevel });
  const telemetry = identityTelemetry(config, selfServiceToken(() => deps!), quiet);
  const logger =
    overrides.logger ??
    createLogger({ service: "identity", level: config.logLevel, ...(telemetry ? { destination: telemetryDestination(telemetry, { minLevel: config.telemetry.logLevel }) } : {}) });
  const database = overrides.database ?? (await createDatabase({ service: "identity", schema, migrationsDir, config: config.database, logger }));
  const keys = new KeyRing(database, config, logger);
  await keys.load();
  const vaultKeyId = "vk1";
  deps = { config, database, logger, keys, vaultKeys: new Map([[vaultKeyId, deriveKey(config.credentialKey, "symbia/vault/v1")]]), vaultKeyId, ...(telemetry ? { telemetry } : {}) };
  return deps;
}
