import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { IdentityProcess } from "@symbia/id/testing";

/** The real network service in a child process (pg-mem), for catalog's relay events tests. */
export interface NetworkProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `network/src/index.ts` under tsx on a free port against a test identity, with fast
 * heartbeats, the default contracts, and its own database in memory. Spawned, not imported: a
 * service never imports another service's code.
 */
export async function spawnNetwork(identity: IdentityProcess): Promise<NetworkProcess> {
  const entry = fileURLToPath(new URL("../../network/src/index.ts", import.meta.url));
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const child: ChildProcess = spawn(tsx, [entry], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      NETWORK_PORT: "0",
      NETWORK_USE_MEMORY_DB: "true",
      SHUTDOWN_DELAY_MS: "0",
      RATE_LIMIT_POINTS: "1000000",
      IDENTITY_SERVICE_URL: identity.url,
      IDENTITY_ISSUER: identity.issuer,
      NETWORK_SERVICE_SECRET: identity.serviceSecrets.network!,
      NETWORK_HASH_SECRET: randomBytes(32).toString("hex"),
      NETWORK_HEARTBEAT_INTERVAL_MS: "500",
      NETWORK_HEARTBEAT_TIMEOUT_MS: "3000",
    },
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`network did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout!.on("data", (d) => {
      out += String(d);
      for (const line of out.split("\n")) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`network exited with ${code}: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
