import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import * as schema from "../src/db/schema.js";

export { schema };
/** The runtime's drizzle-kit migrations. */
export const migrationsDir = fileURLToPath(new URL("../src/db/migrations", import.meta.url));

/** A fresh runtime database: pg-mem, or a new schema on TEST_DATABASE_URL when it is set. */
export function openTestDatabase(options: { exportPath?: string } = {}): Promise<TestDatabase<typeof schema>> {
  return createTestDatabase({ service: "runtime", schema, migrationsDir, ...(options.exportPath ? { exportPath: options.exportPath } : {}) });
}

/**
 * A database that can be stopped and opened again with its rows intact, as across a service
 * restart: on PostgreSQL (TEST_DATABASE_URL) new connections to one test schema; on pg-mem an
 * export file written at `close()` and loaded by the next `open()`.
 */
export async function restartableDatabase(): Promise<{ open(): Promise<Database<typeof schema>>; cleanup(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const owner = await openTestDatabase();
    return {
      open: () => createDatabase({ service: "runtime", schema, migrationsDir, config: { memory: false, url, schemaName: owner.schemaName, poolMax: 2, connectRetryMs: 5_000 } }),
      cleanup: () => owner.close(),
    };
  }
  const dir = await mkdtemp(join(tmpdir(), "runtime-restart-"));
  const exportPath = join(dir, "runtime.json");
  return {
    open: () => openTestDatabase({ exportPath }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
