import { envPrefix, type ServiceId } from "@symbia/sys";

/** How a service connects to its database (ARCHITECTURE §4, "Database, dual mode"). */
export interface DatabaseConfig {
  /** PostgreSQL connection string; ignored when `memory` is true. */
  url?: string;
  /** true → pg-mem in this process. */
  memory: boolean;
  /** Postgres schema holding the service's tables (default: the service id). */
  schemaName?: string;
  /** Memory mode only: state saved here on close and loaded at start. */
  exportPath?: string;
  /** Maximum pooled PostgreSQL connections (default 10). */
  poolMax?: number;
  /** How long to keep retrying the first connection at start, in ms (default 30 000). */
  connectRetryMs?: number;
}

/**
 * Reads a service's database settings from an environment record:
 * `{SERVICE}_DATABASE_URL`, else `DATABASE_URL` → PostgreSQL; neither, or
 * `{SERVICE}_USE_MEMORY_DB=true` → pg-mem; `{SERVICE}_DB_EXPORT_PATH` → memory export file;
 * `{SERVICE}_DB_SCHEMA` → PostgreSQL schema name (default: the service id).
 *
 * The record is passed in (a service's `config.ts` passes `process.env`).
 */
export function databaseConfigFromEnv(service: ServiceId | string, env: Readonly<Record<string, string | undefined>>): DatabaseConfig {
  const prefix = envPrefix(service as ServiceId);
  const url = nonEmpty(env[`${prefix}_DATABASE_URL`]) ?? nonEmpty(env.DATABASE_URL);
  const forceMemory = env[`${prefix}_USE_MEMORY_DB`] === "true";
  const exportPath = nonEmpty(env[`${prefix}_DB_EXPORT_PATH`]);
  const schemaName = nonEmpty(env[`${prefix}_DB_SCHEMA`]);
  return {
    ...(schemaName !== undefined ? { schemaName } : {}),
    memory: forceMemory || url === undefined,
    ...(url !== undefined ? { url } : {}),
    ...(exportPath !== undefined ? { exportPath } : {}),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
}
