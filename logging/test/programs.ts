import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { IdentityProcess } from "@symbia/id/testing";
import { envPrefix, type ServiceId } from "@symbia/sys";

const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

/** A platform service running as a program (child process), as `npm start` runs it. */
export interface ServiceProcess {
  url: string;
  stop(): Promise<void>;
}

/** A free port, released for the service that will listen on it. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `<service>/src/index.ts` under tsx on a free port, trusting `identity` (its service
 * secret), on pg-mem — or on a fresh schema of TEST_DATABASE_URL, dropped by `stop()`. Services
 * never import each other: cross-service tests run them as programs.
 */
export async function spawnProgram(service: ServiceId, identity: IdentityProcess, env: Record<string, string> = {}, options: { startTimeoutMs?: number; cleanup?: () => Promise<void> } = {}): Promise<ServiceProcess> {
  const prefix = envPrefix(service);
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const schema = `t_${service}_${randomBytes(6).toString("hex")}`;
  const entry = fileURLToPath(new URL(`../../${service}/src/index.ts`, import.meta.url));
  const child: ChildProcess = spawn(tsx, [entry], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      [`${prefix}_PORT`]: "0",
      ...(databaseUrl ? { [`${prefix}_DATABASE_URL`]: databaseUrl, [`${prefix}_DB_SCHEMA`]: schema } : { [`${prefix}_USE_MEMORY_DB`]: "true" }),
      SHUTDOWN_DELAY_MS: "0",
      SHUTDOWN_GRACE_MS: "2000",
      RATE_LIMIT_POINTS: "0",
      IDENTITY_SERVICE_URL: identity.url,
      IDENTITY_ISSUER: identity.issuer,
      [`${prefix}_SERVICE_SECRET`]: identity.serviceSecrets[service]!,
      ...env,
    },
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const limit = options.startTimeoutMs ?? 60_000;
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${service} did not start in ${limit} ms: ${stderr}`)), limit);
    child.stdout!.on("data", (d) => {
      out += String(d);
      for (const line of out.split("\n")) {
        if (!line.includes('"msg":"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
      out = out.slice(out.lastIndexOf("\n") + 1);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code}: ${stderr}`));
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
      if (databaseUrl) {
        const { dropSchema } = await import("@symbia/db/testing");
        await dropSchema(databaseUrl, schema);
      }
      await options.cleanup?.();
    },
  };
}

/** The built-in test model's reply (models/README: 14 tokens, any temperature). */
export const TEST_MODEL_SENTENCE = "Hello from Symbia. This reply comes from the built-in test model, not a real language model.";

/** The models service with its built-in test model `symbia-tiny-test` (written by its own script into a temporary MODELS_DIR). */
export async function spawnModels(identity: IdentityProcess, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const dir = await mkdtemp(join(tmpdir(), "logging-models-"));
  const makeTestModel = fileURLToPath(new URL("../../models/scripts/make-test-model.ts", import.meta.url));
  await promisify(execFile)(tsx, [makeTestModel, join(dir, "symbia-tiny-test.gguf")]);
  return spawnProgram("models", identity, { MODELS_DIR: dir, MODELS_CONTEXT_SIZE: "1024", MODELS_SLOTS: "1", ...env }, { cleanup: () => rm(dir, { recursive: true, force: true }) });
}
