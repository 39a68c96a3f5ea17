import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { spawnService, type IdentityProcess, type ServiceProcess as IdProcess, type SpawnServiceOptions } from "@symbia/id/testing";
import type { ServiceId } from "@symbia/sys";

const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

/** A platform service running as a program (child process), as `npm start` runs it. */
export type ServiceProcess = IdProcess;

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
 * secret), on pg-mem — or on a fresh schema of TEST_DATABASE_URL, dropped by `stop()` — via
 * `spawnService` of @symbia/id/testing. Services never import each other: cross-service tests run
 * them as programs.
 */
export function spawnProgram(service: ServiceId, identity: IdentityProcess, env: Record<string, string> = {}, options: SpawnServiceOptions = {}): Promise<ServiceProcess> {
  return spawnService(identity, service, env, options);
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
