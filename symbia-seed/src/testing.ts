import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { spawnIdentity, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import { envPrefix, type ServiceId } from "@symbia/sys";

/** A service running in a child process on a free port. */
export interface ServiceProcess {
  service: ServiceId;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `<service>/src/index.ts` under tsx on a free port against a test identity (pg-mem, or a
 * fresh schema on `TEST_DATABASE_URL`, dropped by `stop()`), with the service secret identity
 * accepts, shutdown delays at 0 and rate limits out of the way. Spawned, not imported: a library
 * never imports a service. `env` adds or overrides variables. Resolves once the service logs
 * "listening". Test helpers are the one place a library reads the environment.
 *
 * @throws Error with the service's stderr when it exits or does not listen within 30 s.
 */
export async function spawnService(identity: IdentityProcess, service: ServiceId, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const prefix = envPrefix(service);
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const schema = `t_${service}_${randomBytes(6).toString("hex")}`;
  const entry = fileURLToPath(new URL(`../../${service}/src/index.ts`, import.meta.url));
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const child: ChildProcess = spawn(tsx, [entry], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      [`${prefix}_PORT`]: "0",
      SHUTDOWN_DELAY_MS: "0",
      SHUTDOWN_GRACE_MS: "2000",
      RATE_LIMIT_POINTS: "1000000",
      IDENTITY_SERVICE_URL: identity.url,
      IDENTITY_ISSUER: identity.issuer,
      [`${prefix}_SERVICE_SECRET`]: identity.serviceSecrets[service]!,
      ...(databaseUrl ? { [`${prefix}_DATABASE_URL`]: databaseUrl, [`${prefix}_DB_SCHEMA`]: schema } : { [`${prefix}_USE_MEMORY_DB`]: "true" }),
      ...env,
    },
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${service} did not start in 30 s: ${stderr}`)), 30_000);
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
      reject(new Error(`${service} exited with ${code}: ${stderr}\n${out.slice(-2000)}`));
    });
  });
  return {
    service,
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
    },
  };
}

/** The services a seed is applied to, with an operator (a super admin) logged in. */
export interface SeedStack {
  identity: IdentityProcess;
  network: ServiceProcess;
  messaging: ServiceProcess;
  catalog: ServiceProcess;
  /** The first user registered: identity's super admin. */
  admin: TestUser;
  /** Service URLs in the shape `applySeed` takes, with the admin's token. */
  urls: { identityUrl: string; messagingUrl: string; networkUrl: string; catalogUrl: string };
  /** `{SERVICE}_SERVICE_URL` variables pointing at this stack (for the CLI). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts identity, network, messaging and catalog (with its bootstrap resources, so the bootstrap
 * assistants exist) as child processes, and registers the super admin. Messaging and catalog
 * stay off the relay: the seed talks to each service over REST.
 */
export async function spawnSeedStack(): Promise<SeedStack> {
  const identity = await spawnIdentity();
  const started: ServiceProcess[] = [];
  try {
    const admin = await identity.registerUser({ email: `admin-${randomBytes(3).toString("hex")}@example.com`, orgName: "Operators" });
    const network = await spawnService(identity, "network", {
      NETWORK_HASH_SECRET: randomBytes(32).toString("hex"),
      NETWORK_HEARTBEAT_INTERVAL_MS: "500",
      NETWORK_HEARTBEAT_TIMEOUT_MS: "3000",
    });
    started.push(network);
    const messaging = await spawnService(identity, "messaging", {
      MESSAGING_RELAY: "false",
      MESSAGING_ASSISTANT_WEBHOOK_URL: "http://127.0.0.1:9/webhook",
      MESSAGING_WEBHOOK_RETRIES: "0",
      NETWORK_SERVICE_URL: network.url,
    });
    started.push(messaging);
    const catalog = await spawnService(identity, "catalog", { CATALOG_RELAY: "false", NETWORK_SERVICE_URL: network.url, CATALOG_ARTIFACTS_DIR: `/tmp/symbia-seed-catalog-${randomBytes(4).toString("hex")}` });
    started.push(catalog);
    return {
      identity,
      network,
      messaging,
      catalog,
      admin,
      urls: { identityUrl: identity.url, messagingUrl: messaging.url, networkUrl: network.url, catalogUrl: catalog.url },
      env: { IDENTITY_SERVICE_URL: identity.url, NETWORK_SERVICE_URL: network.url, MESSAGING_SERVICE_URL: messaging.url, CATALOG_SERVICE_URL: catalog.url },
      async stop() {
        for (const s of [...started].reverse()) await s.stop();
        await identity.stop();
      },
    };
  } catch (error) {
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
    await identity.stop();
    throw error;
  }
}
