import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Logger } from "@symbia/http";
import type { IdentityConfig } from "./config.js";
import { deriveKey } from "./crypto/crypto.js";
import * as schema from "./db/schema.js";
import { KeyRing } from "./keys/keys.service.js";

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
}

export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/** Opens the database, loads (or creates) the signing keys and derives the vault key. */
export async function buildDeps(config: IdentityConfig, overrides: Partial<Pick<IdentityDeps, "database" | "logger">> = {}): Promise<IdentityDeps> {
  const logger = overrides.logger ?? createLogger({ service: "identity", level: config.logLevel });
  const database = overrides.database ?? (await createDatabase({ service: "identity", schema, migrationsDir, config: config.database, logger }));
  const keys = new KeyRing(database, config, logger);
  await keys.load();
  const vaultKeyId = "vk1";
  return { config, database, logger, keys, vaultKeys: new Map([[vaultKeyId, deriveKey(config.credentialKey, "symbia/vault/v1")]]), vaultKeyId };
}
