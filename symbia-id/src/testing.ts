import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { SERVICE_IDS, envPrefix } from "@symbia/sys";
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
  const entry = fileURLToPath(new URL("../../identity/src/index.ts", import.meta.url));
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const child: ChildProcess = spawn(tsx, [entry], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
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
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`identity did not start in 30 s: ${stderr}`)), 30_000);
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
      reject(new Error(`identity exited with ${code}: ${stderr}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
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

/** An {@link IdentityClient} authenticated as a platform service of `identity`. */
export function serviceClient(identity: IdentityProcess, serviceId: string): IdentityClient {
  return new IdentityClient(identity.url, identity.serviceLogin(serviceId));
}
