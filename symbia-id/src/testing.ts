import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { SERVICE_IDS, envPrefix, type ServiceId } from "@symbia/sys";
import { IdentityClient } from "./client.js";
import { loginAsService, type LoginSession } from "./login.js";
import type { TokenResponse } from "./schemas.js";

/** A strong password that passes identity's policy, for test users. */
export const TEST_PASSWORD = "correct-Horse-battery-9";

/** A real identity service in a child process, for other packages' tests. */
export interface IdentityProcess {
  url: string;
  issuer: string;
  /** `{SERVICE}_SERVICE_SECRET` values identity accepts. */
  serviceSecrets: Record<string, string>;
  /** A self-refreshing service login. */
  serviceLogin(serviceId: string): LoginSession;
  /** Registers a user (with a new org unless `orgName` is null). */
  registerUser(options?: { email?: string; name?: string; orgName?: string | null }): Promise<TestUser>;
  /** Any JSON call to identity. */
  call(path: string, init?: { method?: string; token?: string; json?: unknown; orgId?: string }): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** A registered test user. */
export interface TestUser {
  email: string;
  token: string;
  refreshToken: string;
  principal: TokenResponse["principal"];
  /** The org created with the user, if any. */
  orgId: string;
}

/** A platform service running as a program (child process) on a free port, for tests. */
export interface ServiceProcess {
  service: ServiceId;
  url: string;
  port: number;
  /** Everything the service wrote on stderr so far. */
  stderr(): string;
  /** What it wrote on stdout so far (JSON log lines; the last MiB). */
  output(): string;
  /** SIGTERM (graceful) and wait for the exit, then drop its test schema and run `cleanup`. */
  stop(): Promise<void>;
}

/** Options of {@link spawnService}. */
export interface SpawnServiceOptions {
  /** How long to wait for the "listening" line (default 60 s). */
  startTimeoutMs?: number;
  /** Run by `stop()` after the process exited (temporary directories and the like). */
  cleanup?: () => Promise<void>;
}

const MAX_OUTPUT = 1 << 20;

/**
 * Runs `<service>/src/index.ts` under tsx with exactly `env` (plus PATH) and resolves once it logs
 * its "listening" JSON line. `schema`: the PostgreSQL schema `stop()` drops on TEST_DATABASE_URL.
 */
async function runService(service: ServiceId, env: Record<string, string>, options: SpawnServiceOptions & { schema?: string }): Promise<ServiceProcess> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const entry = fileURLToPath(new URL(`../../${service}/src/index.ts`, import.meta.url));
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const child: ChildProcess = spawn(tsx, [entry], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", ...env } });
  let stderr = "";
  let output = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  child.stdout!.on("data", (d) => {
    output += String(d);
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
  });
  const limit = options.startTimeoutMs ?? 60_000;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    if (databaseUrl && options.schema) {
      const { dropSchema } = await import("@symbia/db/testing");
      await dropSchema(databaseUrl, options.schema);
    }
    await options.cleanup?.();
  };
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let pending = "";
      const timer = setTimeout(() => reject(new Error(`${service} did not start in ${limit} ms: ${stderr}`)), limit);
      const onData = (d: unknown) => {
        const lines = (pending + String(d)).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (!line.includes('"listening"')) continue;
          let parsed: { msg?: string; port?: number };
          try {
            parsed = JSON.parse(line) as { msg?: string; port?: number };
          } catch {
            continue;
          }
          if (parsed.msg !== "listening" || typeof parsed.port !== "number") continue;
          clearTimeout(timer);
          child.stdout!.off("data", onData);
          child.off("exit", onExit);
          resolve(parsed.port);
          return;
        }
      };
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${service} exited with ${code}: ${stderr}\n${output.slice(-2000)}`));
      };
      child.stdout!.on("data", onData);
      child.once("exit", onExit);
    });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { service, url: `http://127.0.0.1:${port}`, port, stderr: () => stderr, output: () => output, stop };
}

/**
 * Starts `<service>/src/index.ts` under tsx on a free port against a test identity, as `npm start`
 * runs it: NODE_ENV=test, `{PREFIX}_PORT=0`, shutdown delay 0 (grace 2 s), the server-wide rate
 * limit off, IDENTITY_SERVICE_URL / IDENTITY_ISSUER and the `{PREFIX}_SERVICE_SECRET` identity
 * accepts, and pg-mem (`{PREFIX}_USE_MEMORY_DB=true`) — or a fresh schema on `TEST_DATABASE_URL`,
 * dropped by `stop()`. `env` adds or overrides variables. Resolves once the service logs its
 * "listening" line (the port comes from it). Spawned, not imported: services never import each
 * other. Test helpers are the one place a library reads the environment.
 *
 * @throws Error with the service's stderr when it exits or does not listen within
 *   `options.startTimeoutMs` (default 60 s); the process is stopped and cleaned up first.
 */
export async function spawnService(identity: IdentityProcess, service: ServiceId, env: Record<string, string> = {}, options: SpawnServiceOptions = {}): Promise<ServiceProcess> {
  const prefix = envPrefix(service);
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const schema = `t_${service}_${randomBytes(6).toString("hex")}`;
  return runService(
    service,
    {
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      [`${prefix}_PORT`]: "0",
      SHUTDOWN_DELAY_MS: "0",
      SHUTDOWN_GRACE_MS: "2000",
      RATE_LIMIT_POINTS: "0",
      IDENTITY_SERVICE_URL: identity.url,
      IDENTITY_ISSUER: identity.issuer,
      [`${prefix}_SERVICE_SECRET`]: identity.serviceSecrets[service]!,
      ...(databaseUrl ? { [`${prefix}_DATABASE_URL`]: databaseUrl, [`${prefix}_DB_SCHEMA`]: schema } : { [`${prefix}_USE_MEMORY_DB`]: "true" }),
      ...env,
    },
    { ...options, schema },
  );
}

/**
 * The network service via {@link spawnService}, with a fresh NETWORK_HASH_SECRET and heartbeats
 * every 500 ms (timeout 3 s), for tests of services that talk over the relay.
 */
export function spawnNetwork(identity: IdentityProcess, env: Record<string, string> = {}, options: SpawnServiceOptions = {}): Promise<ServiceProcess> {
  return spawnService(identity, "network", { NETWORK_HASH_SECRET: randomBytes(32).toString("hex"), NETWORK_HEARTBEAT_INTERVAL_MS: "500", NETWORK_HEARTBEAT_TIMEOUT_MS: "3000", ...env }, options);
}

/**
 * Starts identity (`identity/src/index.ts` under tsx) on a free port with fresh secrets, pg-mem
 * (or a fresh schema on `TEST_DATABASE_URL`, dropped by `stop()`), and bcrypt cost 4. The first
 * user registered becomes super admin: register a throwaway admin first when that matters.
 * Test helpers are the one place a library reads the environment.
 */
export async function spawnIdentity(env: Record<string, string> = {}): Promise<IdentityProcess> {
  const serviceSecrets = Object.fromEntries(SERVICE_IDS.map((id) => [id, `secret-${id}-${randomBytes(12).toString("hex")}`]));
  const issuer = `symbia-identity-test-${randomBytes(4).toString("hex")}`;
  const schema = `t_identity_${randomBytes(6).toString("hex")}`;
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const { url, stop } = await runService(
    "identity",
    {
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      IDENTITY_PORT: "0",
      IDENTITY_ISSUER: issuer,
      BCRYPT_COST: "4",
      SHUTDOWN_DELAY_MS: "0",
      RATE_LIMIT_POINTS: "1000000",
      AUTH_RATE_LIMIT_POINTS: "1000000",
      CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      SESSION_SECRET: randomBytes(32).toString("hex"),
      ...(databaseUrl ? { IDENTITY_DATABASE_URL: databaseUrl, IDENTITY_DB_SCHEMA: schema } : {}),
      ...Object.fromEntries(SERVICE_IDS.map((id) => [`${envPrefix(id)}_SERVICE_SECRET`, serviceSecrets[id]!])),
      ...env,
    },
    { schema },
  );
  const call: IdentityProcess["call"] = async (path, init = {}) => {
    const headers: Record<string, string> = {};
    if (init.json !== undefined) headers["content-type"] = "application/json";
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.orgId) headers["x-org-id"] = init.orgId;
    const res = await fetch(`${url}${path}`, { method: init.method ?? (init.json !== undefined ? "POST" : "GET"), headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  let n = 0;
  return {
    url,
    issuer,
    serviceSecrets,
    serviceLogin: (serviceId) => loginAsService({ identityUrl: url, serviceId, secret: serviceSecrets[serviceId]! }),
    async registerUser(options = {}) {
      const email = options.email ?? `user${++n}-${randomBytes(3).toString("hex")}@example.com`;
      const res = await call("/api/auth/register", {
        json: { email, password: TEST_PASSWORD, name: options.name ?? `User ${n}`, ...(options.orgName === null ? {} : { orgName: options.orgName ?? `Org ${email}` }) },
      });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { email, token: res.body.accessToken, refreshToken: res.body.refreshToken, principal: res.body.principal, orgId: res.body.principal.orgs[0]?.orgId };
    },
    call,
    stop,
  };
}

/** An {@link IdentityClient} authenticated as a platform service of `identity`. */
export function serviceClient(identity: IdentityProcess, serviceId: string): IdentityClient {
  return new IdentityClient(identity.url, identity.serviceLogin(serviceId));
}
