import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { IdentityProcess } from "@symbia/id/testing";

const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const modelsEntry = fileURLToPath(new URL("../../models/src/index.ts", import.meta.url));
const makeTestModel = fileURLToPath(new URL("../../models/scripts/make-test-model.ts", import.meta.url));

/** The reply of the models service's built-in test model (its README: 14 tokens, any temperature). */
export const TEST_MODEL_SENTENCE = "Hello from Symbia. This reply comes from the built-in test model, not a real language model.";

/** The real models service in a child process. */
export interface ModelsProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the models service (`models/src/index.ts` under tsx, as `npm start` runs it) on a free port
 * with a temporary MODELS_DIR holding its built-in test model `symbia-tiny-test` and the looping
 * variant `symbia-tiny-test-loop`, both written by its own `make-test-model` script, trusting
 * `identity`. Services never import each other: this runs it as a program.
 */
export async function spawnModels(identity: IdentityProcess): Promise<ModelsProcess> {
  const dir = await mkdtemp(join(tmpdir(), "integrations-models-"));
  // With a model in the directory the service no longer writes its own: write both with its script.
  await promisify(execFile)(tsx, [makeTestModel, join(dir, "symbia-tiny-test.gguf")]);
  await promisify(execFile)(tsx, [makeTestModel, join(dir, "symbia-tiny-test-loop.gguf"), "--name", "symbia-tiny-test-loop", "--loop"]);
  const child: ChildProcess = spawn(tsx, [modelsEntry], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      MODELS_PORT: "0",
      MODELS_DIR: dir,
      MODELS_CONTEXT_SIZE: "1024",
      MODELS_SLOTS: "2",
      SHUTDOWN_DELAY_MS: "0",
      RATE_LIMIT_POINTS: "0",
      IDENTITY_SERVICE_URL: identity.url,
      IDENTITY_ISSUER: identity.issuer,
      MODELS_SERVICE_SECRET: identity.serviceSecrets.models!,
    },
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`models did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout!.on("data", (d) => {
      out += String(d);
      for (const line of out.split("\n")) {
        if (!line.includes('"msg":"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`models exited with ${code}: ${stderr}`));
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
      await rm(dir, { recursive: true, force: true });
    },
  };
}
