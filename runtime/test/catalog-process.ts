import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnService, type IdentityProcess, type ServiceProcess } from "@symbia/id/testing";

/** A real catalog service in a child process; `stop()` also removes its artifacts and database schema. */
export type CatalogProcess = ServiceProcess;

/**
 * Starts catalog (`catalog/src/index.ts` under tsx, via `spawnService` of @symbia/id/testing) on a
 * free port against `identity`, with its own artifact directory and pg-mem (or a fresh schema on
 * `TEST_DATABASE_URL`, dropped by `stop()`). `bootstrapFile`: a path, `"off"`, or absent for
 * catalog's own `bootstrap/platform.json`.
 */
export async function spawnCatalog(identity: IdentityProcess, options: { bootstrapFile?: string; env?: Record<string, string> } = {}): Promise<CatalogProcess> {
  const artifactsDir = await mkdtemp(join(tmpdir(), "runtime-catalog-"));
  return spawnService(
    identity,
    "catalog",
    { CATALOG_ARTIFACTS_DIR: artifactsDir, ...(options.bootstrapFile ? { CATALOG_BOOTSTRAP_FILE: options.bootstrapFile } : {}), ...options.env },
    { cleanup: () => rm(artifactsDir, { recursive: true, force: true }) },
  );
}
