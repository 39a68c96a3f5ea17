import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dropSchema } from "@symbia/db/testing";
import type { IdentityProcess } from "@symbia/id/testing";

/** A real catalog service in a child process. */
export interface CatalogProcess {
  url: string;
  /** Stops the process (SIGTERM, graceful) and removes its artifacts and database schema. */
  stop(): Promise<void>;
}

/**
 * Starts catalog (`catalog/src/index.ts` under tsx) on a free port against `identity`, with its
 * own artifact directory and pg-mem (or a fresh schema on `TEST_DATABASE_URL`, dropped by
 * `stop()`), as `spawnIdentity` does for identity. `bootstrapFile`: a path, `"off"`, or absent for
 * catalog's own `bootstrap/platform.json`. Test helpers are the one place that reads the environment.
 */
export async function spawnCatalog(identity: IdentityProcess, options: { bootstrapFile?: string; env?: Record<string, string> } = {}): Promise<CatalogProcess> {
  const artifactsDir = await mkdtemp(join(tmpdir(), "runtime-catalog-"));
  const schema = `t_catalog_${randomBytes(6).toString("hex")}`;
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const entry = fileURLToPath(new URL("../../catalog/src/index.ts", import.meta.url));
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const child: ChildProcess = spawn(tsx, [entry], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      // "info" so the "listening" line (with the port) is written.
      LOG_LEVEL: "info",
      CATALOG_PORT: "0",
      SHUTDOWN_DELAY_MS: "0",
      RATE_LIMIT_POINTS: "1000000",
      IDENTITY_SERVICE_URL: identity.url,
      IDENTITY_ISSUER: identity.issuer,
      CATALOG_SERVICE_SECRET: identity.serviceSecrets.catalog!,
      CATALOG_ARTIFACTS_DIR: artifactsDir,
      ...(options.bootstrapFile ? { CATALOG_BOOTSTRAP_FILE: options.bootstrapFile } : {}),
      ...(databaseUrl ? { CATALOG_DATABASE_URL: databaseUrl, CATALOG_DB_SCHEMA: schema } : {}),
      ...options.env,
    },
  });
  let stderr = "";
  let stdout = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`catalog did not start in 45 s: ${stderr}`)), 45_000);
    child.stdout!.on("data", (d) => {
      const lines = (stdout + String(d)).split("\n");
      // Keep only the unfinished last line: complete lines are read once.
      stdout = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`catalog exited with ${code}: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(artifactsDir, { recursive: true, force: true });
      if (databaseUrl) await dropSchema(databaseUrl, schema);
    },
  };
}
