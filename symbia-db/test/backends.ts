import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "../src/testing.js";
import * as schema from "./fixture/schema.js";

export { schema };
export const migrationsDir = fileURLToPath(new URL("./fixture/migrations", import.meta.url));

/** The backends a run can test: pg-mem always, PostgreSQL when TEST_DATABASE_URL is set. */
export const BACKENDS = ["memory", ...(process.env.TEST_DATABASE_URL ? ["postgres" as const] : [])] as const;
export type Backend = (typeof BACKENDS)[number];

/** A fresh fixture database on the given backend. */
export function openFixture(backend: Backend, exportPath?: string): Promise<TestDatabase<typeof schema>> {
  return createTestDatabase({
    service: "dbtest",
    schema,
    migrationsDir,
    ...(backend === "memory" ? { url: "" } : {}),
    ...(exportPath ? { exportPath } : {}),
  });
}
