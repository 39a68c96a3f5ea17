import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { spawnService, type IdentityProcess, type ServiceProcess } from "@symbia/id/testing";

const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const makeTestModel = fileURLToPath(new URL("../../models/scripts/make-test-model.ts", import.meta.url));

/** The reply of the models service's built-in test model (its README: 14 tokens, any temperature). */
export const TEST_MODEL_SENTENCE = "Hello from Symbia. This reply comes from the built-in test model, not a real language model.";

/** The real models service in a child process. */
export type ModelsProcess = ServiceProcess;

/**
 * Starts the models service (`models/src/index.ts` under tsx, as `npm start` runs it) on a free port
 * with a temporary MODELS_DIR holding its built-in test model `symbia-tiny-test` and the looping
 * variant `symbia-tiny-test-loop`, both written by its own `make-test-model` script, trusting
 * `identity` (via `spawnService` of @symbia/id/testing). `stop()` removes the directory.
 */
export async function spawnModels(identity: IdentityProcess): Promise<ModelsProcess> {
  const dir = await mkdtemp(join(tmpdir(), "integrations-models-"));
  // With a model in the directory the service no longer writes its own: write both with its script.
  await promisify(execFile)(tsx, [makeTestModel, join(dir, "symbia-tiny-test.gguf")]);
  await promisify(execFile)(tsx, [makeTestModel, join(dir, "symbia-tiny-test-loop.gguf"), "--name", "symbia-tiny-test-loop", "--loop"]);
  return spawnService(identity, "models", { MODELS_DIR: dir, MODELS_CONTEXT_SIZE: "1024", MODELS_SLOTS: "2" }, { cleanup: () => rm(dir, { recursive: true, force: true }) });
}
