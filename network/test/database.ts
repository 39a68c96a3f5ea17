import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import * as schema from "../src/db/schema.js";

/** Where drizzle-kit writes the network's migrations. */
export const migrationsDir = fileURLToPath(new URL("../src/db/migrations", import.meta.url));

/** A fresh network database for one test file: pg-mem, or a fresh schema on TEST_DATABASE_URL. */
export function openNetworkDatabase(): Promise<TestDatabase<typeof schema>> {
  return createTestDatabase({ service: "network", schema, migrationsDir });
}
