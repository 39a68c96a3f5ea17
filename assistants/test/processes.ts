import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { IdentityProcess } from "@symbia/id/testing";

const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const entry = (service: string) => fileURLToPath(new URL(`../../${service}/src/index.ts`, import.meta.url));

/** The reply of the models service's built-in test model (models/README.md). */
export const TEST_MODEL_SENTENCE = "Hello from Symbia. This reply comes from the built-in test model, not a real language model.";

/** A service running as its own program (child process). */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote on stdout (JSON log lines). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for services that must know each other's URL before starting). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `<service>/src/index.ts` under tsx (as `npm start` does) with `env`, and waits for its
 * "listening" log line. Services never import each other's code: they run as programs.
 */
export async function spawnService(service: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  // Its own process group: tsx runs the service in a child of its own, and a SIGKILL must reach both.
  const child = spawn(tsx, [entry(service)], { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "info", SHUTDOWN_DELAY_MS: "0", RATE_LIMIT_POINTS: "0", TELEMETRY_ENABLED: "false", ...env } });
  let stderr = "";
  let out = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  child.stdout!.on("data", (d) => (out += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service} did not start in ${timeoutMs} ms: ${stderr.slice(-2000)}`)), timeoutMs);
    const check = () => {
      for (const line of out.split("\n")) {
        if (!line.includes('"listening"')) continue;
        try {
          const parsed = JSON.parse(line) as { port?: number; msg?: string };
          if (parsed.port && parsed.msg === "listening") {
            clearTimeout(timer);
            child.stdout!.off("data", check);
            resolve(parsed.port);
            return;
          }
        } catch {
          /* a partial line */
        }
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      if (signal === "SIGKILL") process.kill(-child.pid!, "SIGKILL");
      else child.kill(signal);
      await exited;
    },
  };
}

/** The models service with its generated test models (`symbia-tiny-test`, and `symbia-tiny-test-loop` that repeats until max tokens). */
export async function spawnModels(identity: IdentityProcess): Promise<ServiceProcess> {
  const dir = await mkdtemp(join(tmpdir(), "assistants-models-"));
  const make = fileURLToPath(new URL("../../models/scripts/make-test-model.ts", import.meta.url));
  await promisify(execFile)(tsx, [make, join(dir, "symbia-tiny-test.gguf")]);
  await promisify(execFile)(tsx, [make, join(dir, "symbia-tiny-test-loop.gguf"), "--name", "symbia-tiny-test-loop", "--loop"]);
  const service = await spawnService("models", {
    MODELS_PORT: "0", MODELS_DIR: dir, MODELS_CONTEXT_SIZE: "1024", MODELS_SLOTS: "2",
    IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer, MODELS_SERVICE_SECRET: identity.serviceSecrets.models!,
  });
  return { ...service, stop: async (signal) => { await service.stop(signal); await rm(dir, { recursive: true, force: true }); } };
}

/** The integrations gateway (pg-mem) with symbia-labs pointing at `modelsUrl`. */
export function spawnIntegrations(identity: IdentityProcess, modelsUrl: string): Promise<ServiceProcess> {
  return spawnService("integrations", {
    INTEGRATIONS_PORT: "0", IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer, INTEGRATIONS_SERVICE_SECRET: identity.serviceSecrets.integrations!,
    MODELS_SERVICE_URL: modelsUrl, INTEGRATIONS_DEFAULT_PROVIDER: "symbia-labs", INTEGRATIONS_MODEL_CONFIG: "env", INTEGRATIONS_LEDGER_FLUSH_MS: "10", INTEGRATIONS_TIMEOUT_MS: "60000",
  });
}

/** Messaging (pg-mem, no relay) on `port`, posting its assistant events to `webhookUrl`. */
export function spawnMessaging(identity: IdentityProcess, port: number, webhookUrl: string): Promise<ServiceProcess> {
  return spawnService("messaging", {
    MESSAGING_PORT: String(port), IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer, MESSAGING_SERVICE_SECRET: identity.serviceSecrets.messaging!,
    MESSAGING_RELAY: "false", MESSAGING_ASSISTANT_WEBHOOK_URL: webhookUrl, MESSAGING_WEBHOOK_RETRIES: "1", MESSAGING_WEBHOOK_TIMEOUT_MS: "10000",
  });
}
