import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDatabase, type Database } from "./database.js";

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions<TSchema extends Record<string, unknown>> {
  service: string;
  schema: TSchema;
  migrationsDir: string;
  /** PostgreSQL URL; defaults to the value passed as `env.TEST_DATABASE_URL`. Absent → pg-mem. */
  url?: string;
  /** Memory mode: an export file to restore from and save to. */
  exportPath?: string;
}

/** A {@link Database} for one test file, whose `close()` also removes what the test created. */
export interface TestDatabase<TSchema extends Record<string, unknown>> extends Database<TSchema> {
  /** The PostgreSQL URL in use, or undefined on pg-mem. */
  readonly url: string | undefined;
  /** Closes connections (exporting in memory mode) but keeps the schema, for restart tests. */
  closeConnections(): Promise<void>;
}

/**
 * A fresh database for a test file: a new pg-mem instance, or, when `url` (or
 * `TEST_DATABASE_URL`) is set, a new uniquely named schema on that server, dropped with CASCADE by
 * `close()`. Migrations are applied as at a service's start.
 */
export async function createTestDatabase<TSchema extends Record<string, unknown>>(
  options: TestDatabaseOptions<TSchema>,
): Promise<TestDatabase<TSchema>> {
  // Test helpers are the one place a library reads the environment: they run under the test runner.
  const url = options.url ?? process.env.TEST_DATABASE_URL;
  if (!url) {
    const database = await createDatabase({
      service: options.service,
      schema: options.schema,
      migrationsDir: options.migrationsDir,
      config: { memory: true, ...(options.exportPath ? { exportPath: options.exportPath } : {}) },
    });
    return Object.assign(database, { url: undefined, closeConnections: database.close.bind(database) });
  }
  const schemaName = testSchemaName(options.service);
  const database = await createDatabase({
    service: options.service,
    schema: options.schema,
    migrationsDir: options.migrationsDir,
    config: { memory: false, url, schemaName, poolMax: 4, connectRetryMs: 5_000 },
  });
  const close = database.close.bind(database);
  return Object.assign(database, {
    url,
    closeConnections: close,
    async close() {
      await close();
      await dropSchema(url, schemaName);
    },
  });
}

/** A schema name unique to one test database: `t_<service>_<12 hex>`. */
export function testSchemaName(service: string): string {
  return `t_${service.replace(/[^a-z0-9_]/g, "_")}_${randomBytes(6).toString("hex")}`;
}

/** Drops a schema and everything in it. */
export async function dropSchema(url: string, schemaName: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
  } finally {
    await client.end();
  }
}
