import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { createLogger, type SymbiaServer } from "@symbia/http";
import { SERVICE_IDS, envPrefix } from "@symbia/sys";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import * as schema from "../src/db/schema.js";
import { buildDeps, migrationsDir, type IdentityDeps } from "../src/deps.js";

/** Service secrets the test identity accepts. */
export const SERVICE_SECRETS = Object.fromEntries(SERVICE_IDS.map((id) => [id, `test-secret-${id}-${"x".repeat(16)}`]));

/** A strong password that passes the policy. */
export const PASSWORD = "correct-Horse-battery-9";

/** Environment of a test identity: fast bcrypt, fresh secrets, silent logs. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    BCRYPT_COST: "4",
    SHUTDOWN_DELAY_MS: "0",
    RATE_LIMIT_POINTS: "100000",
    AUTH_RATE_LIMIT_POINTS: "100000",
    IDENTITY_ISSUER: "symbia-identity-test",
    CREDENTIAL_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    SESSION_SECRET: randomBytes(32).toString("hex"),
    ...Object.fromEntries(SERVICE_IDS.map((id) => [`${envPrefix(id)}_SERVICE_SECRET`, SERVICE_SECRETS[id]!])),
    ...overrides,
  };
}

/** A running identity on a fresh database (pg-mem, or a fresh schema on TEST_DATABASE_URL). */
export interface TestIdentity {
  url: string;
  deps: IdentityDeps;
  server: SymbiaServer;
  database: TestDatabase<typeof schema>;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts identity in-process on a free port. Pass `database` to reuse one (restart tests). */
export async function startIdentity(options: { env?: Record<string, string>; database?: TestDatabase<typeof schema>; keepDatabase?: boolean } = {}): Promise<TestIdentity> {
  const env = options.env ?? testEnv();
  const config = loadConfig(env);
  const database = options.database ?? (await createTestDatabase({ service: "identity", schema, migrationsDir }));
  const deps = await buildDeps(config, { database, logger: createLogger({ service: "identity", level: config.logLevel }) });
  const server = createApp(deps);
  await server.listen(0, "127.0.0.1");
  return {
    url: server.url(),
    deps,
    server,
    database,
    env,
    async close() {
      await server.shutdown("test end");
      if (!options.keepDatabase) await database.close();
    },
  };
}

/** JSON over fetch. */
export async function call(url: string, init: { method?: string; token?: string; json?: unknown; headers?: Record<string, string>; body?: string } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(url, { method: init.method ?? (init.json !== undefined || init.body !== undefined ? "POST" : "GET"), headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.body !== undefined ? { body: init.body } : {}) });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

let counter = 0;

/** Registers a user (with an org unless `orgName: null`) and returns its tokens and org id. */
export async function registerUser(url: string, options: { email?: string; orgName?: string | null; name?: string } = {}) {
  const n = ++counter;
  const email = options.email ?? `user${n}-${randomBytes(3).toString("hex")}@example.com`;
  const res = await call(`${url}/api/auth/register`, {
    json: { email, password: PASSWORD, name: options.name ?? `User ${n}`, ...(options.orgName === null ? {} : { orgName: options.orgName ?? `Org ${n}` }) },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const orgId = res.body.principal.orgs[0]?.orgId as string | undefined;
  return { email, token: res.body.accessToken as string, refreshToken: res.body.refreshToken as string, principal: res.body.principal, orgId: orgId! };
}

/** A service principal's access token. */
export async function serviceToken(url: string, serviceId: string): Promise<string> {
  const res = await call(`${url}/api/auth/service-token`, { json: { serviceId, secret: SERVICE_SECRETS[serviceId] } });
  if (res.status !== 200) throw new Error(`service-token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken as string;
}
