import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import pg from "pg";
import type { DatabaseConfig } from "./config.js";
import { MemoryPool } from "./memory.js";
import { applyMigrations, readMigrations, type MigrationResult, type SqlExecutor } from "./migrate.js";
import { exportRows, importRows, readExportFile, writeExportFile } from "./transfer.js";

/**
 * A drizzle database handle: the root database or a transaction. Store functions take this type
 * so they work both inside and outside {@link Database.withTransaction}.
 */
export type Db<TSchema extends Record<string, unknown> = Record<string, unknown>> = PgDatabase<NodePgQueryResultHKT, TSchema>;

/** Minimal logger the database reports through (pino's shape). */
export interface DbLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link createDatabase}. */
export interface CreateDatabaseOptions<TSchema extends Record<string, unknown>> {
  /** Service id: default schema name and the name in export files. */
  service: string;
  /** The service's drizzle schema module (`import * as schema from "./db/schema.js"`). */
  schema: TSchema;
  /** Folder drizzle-kit generated the migrations into. */
  migrationsDir: string;
  config: DatabaseConfig;
  logger?: DbLogger;
}

/** A service's database, ready to query: migrated, and in memory mode restored from its export. */
export interface Database<TSchema extends Record<string, unknown> = Record<string, unknown>> {
  /** The drizzle handle. */
  readonly db: NodePgDatabase<TSchema>;
  readonly mode: "postgres" | "memory";
  /** Postgres schema the tables live in (`public` in memory mode). */
  readonly schemaName: string;
  /** Migrations applied or skipped at start. */
  readonly migrations: MigrationResult;
  /** Rows loaded from the export file at start (memory mode), else 0. */
  readonly importedRows: number;
  /**
   * Runs `fn` in a transaction; if it throws, nothing it wrote remains, on both backends. Inside,
   * nested calls join the outer transaction.
   * On pg-mem, transactions are serialized and undone by restoring a snapshot.
   */
  withTransaction<T>(fn: (tx: Db<TSchema>) => Promise<T>): Promise<T>;
  /** Re-applies pending migrations (a no-op when none are pending). */
  migrate(): Promise<MigrationResult>;
  /** Resolves when the database answers `SELECT 1`; rejects otherwise. For readiness checks. */
  ping(): Promise<void>;
  /** Memory mode: writes every row to `path` (default: the configured export path). */
  exportTo(path?: string): Promise<{ path: string; rows: number }>;
  /** Exports (memory mode with an export path) and closes connections. Idempotent. */
  close(): Promise<void>;
}

const txStore = new AsyncLocalStorage<{ tx: unknown }>();

/**
 * Opens a service's database: PostgreSQL through a `pg` pool whose connections use the
 * service's schema as `search_path` (created if missing), or pg-mem when `config.memory` is true;
 * applies the drizzle-kit migrations from `migrationsDir` (serialized across processes with an
 * advisory lock on PostgreSQL); in memory mode loads `config.exportPath` when it exists.
 *
 * @throws Error when PostgreSQL cannot be reached within `config.connectRetryMs`, or a migration fails.
 */
export async function createDatabase<TSchema extends Record<string, unknown>>(
  options: CreateDatabaseOptions<TSchema>,
): Promise<Database<TSchema>> {
  const { config, schema, service } = options;
  const migrationList = await readMigrations(options.migrationsDir);
  if (config.memory) return openMemory(options, migrationList);
  if (!config.url) throw new Error("createDatabase: PostgreSQL mode needs config.url");

  const schemaName = config.schemaName ?? service;
  assertIdentifier(schemaName);
  await waitForPostgres(config.url, config.connectRetryMs ?? 30_000, options.logger);
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolMax ?? 10,
    options: `-c search_path="${schemaName}"`,
  });
  // An idle client dropped by a server restart must not crash the process; the pool reconnects.
  pool.on("error", (error) => options.logger?.warn({ err: error.message }, "database connection lost; pool will reconnect"));

  const setup = await pool.connect();
  let migrations: MigrationResult;
  try {
    // Lock first: CREATE SCHEMA IF NOT EXISTS itself races between two starting processes.
    await setup.query("SELECT pg_advisory_lock(hashtext($1))", [`symbia-migrate:${schemaName}`]);
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS "${schemaName}"`);
      migrations = await applyMigrations(setup, migrationList, async (fn) => {
        await setup.query("BEGIN");
        try {
          await fn(setup);
          await setup.query("COMMIT");
        } catch (error) {
          await setup.query("ROLLBACK");
          throw error;
        }
      });
    } finally {
      await setup.query("SELECT pg_advisory_unlock(hashtext($1))", [`symbia-migrate:${schemaName}`]);
    }
  } finally {
    setup.release();
  }

  const db = drizzle({ client: pool, schema });
  let closed = false;
  return {
    db,
    mode: "postgres",
    schemaName,
    migrations,
    importedRows: 0,
    withTransaction<T>(fn: (tx: Db<TSchema>) => Promise<T>): Promise<T> {
      const current = txStore.getStore();
      if (current) return fn(current.tx as Db<TSchema>);
      return db.transaction((tx) => txStore.run({ tx }, () => fn(tx as unknown as Db<TSchema>)));
    },
    async migrate() {
      const client = await pool.connect();
      try {
        return await applyMigrations(client, migrationList, async (fn) => {
          await client.query("BEGIN");
          try {
            await fn(client);
            await client.query("COMMIT");
          } catch (error) {
            await client.query("ROLLBACK");
            throw error;
          }
        });
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async exportTo(path?: string) {
      const target = path ?? config.exportPath;
      if (!target) throw new Error("exportTo: no export path configured");
      const doc = await exportRows(db as unknown as Db, service, schema);
      await writeExportFile(target, doc);
      return { path: target, rows: Object.values(doc.tables).reduce((n, rows) => n + rows.length, 0) };
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

async function openMemory<TSchema extends Record<string, unknown>>(
  options: CreateDatabaseOptions<TSchema>,
  migrationList: Awaited<ReturnType<typeof readMigrations>>,
): Promise<Database<TSchema>> {
  const { config, schema, service } = options;
  const pool = new MemoryPool();
  const exec: SqlExecutor = { query: (text, values) => pool.query({ text, values: values ?? [] }) };
  const migrations = await applyMigrations(exec, migrationList, (fn) => pool.transaction(() => fn(exec)));
  const db = drizzle({ client: pool as unknown as pg.Pool, schema });

  const withTransaction = <T>(fn: (tx: Db<TSchema>) => Promise<T>): Promise<T> =>
    pool.transaction(() => fn(db as unknown as Db<TSchema>));
  // drizzle's own db.transaction() would send BEGIN/ROLLBACK, which pg-mem does not honour
  // across queries; route it through the serialized, snapshot-restoring transaction instead.
  Object.defineProperty(db, "transaction", { value: withTransaction });

  let importedRows = 0;
  if (config.exportPath) {
    const doc = await readExportFile(config.exportPath);
    if (doc) {
      importedRows = await withTransaction((tx) => importRows(tx as unknown as Db, doc, schema));
      options.logger?.info({ path: config.exportPath, rows: importedRows }, "memory database restored from export");
    }
  }

  let closed = false;
  const exportTo = async (path?: string) => {
    const target = path ?? config.exportPath;
    if (!target) throw new Error("exportTo: no export path configured");
    const doc = await withTransaction((tx) => exportRows(tx as unknown as Db, service, schema));
    await writeExportFile(target, doc);
    return { path: target, rows: Object.values(doc.tables).reduce((n, rows) => n + rows.length, 0) };
  };
  return {
    db,
    mode: "memory",
    schemaName: "public",
    migrations,
    importedRows,
    withTransaction,
    migrate: () => applyMigrations(exec, migrationList, (fn) => pool.transaction(() => fn(exec))),
    async ping() {
      await pool.query("SELECT 1");
    },
    exportTo,
    async close() {
      if (closed) return;
      closed = true;
      if (config.exportPath) {
        const { rows } = await exportTo();
        options.logger?.info({ path: config.exportPath, rows }, "memory database exported");
      }
    },
  };
}

async function waitForPostgres(url: string, retryMs: number, logger?: DbLogger): Promise<void> {
  const deadline = Date.now() + retryMs;
  let delay = 200;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() + delay > deadline) throw new Error(`PostgreSQL unreachable: ${(error as Error).message}`);
      logger?.warn({ err: (error as Error).message, retryInMs: delay }, "PostgreSQL not reachable yet");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

/** Schema names go into SQL text; accept plain identifiers only. */
function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${name}`);
}
