import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { createLogger, type SymbiaServer } from "@symbia/http";
import { spawnIdentity, TEST_PASSWORD, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import * as schema from "../src/db/schema.js";
import { buildDeps, migrationsDir, type LoggingDeps } from "../src/deps.js";

/** A running logging service on a fresh database, verifying tokens against a real identity. */
export interface TestLogging {
  url: string;
  deps: LoggingDeps;
  server: SymbiaServer;
  database: TestDatabase<typeof schema>;
  close(): Promise<void>;
}

/** The environment of a test logging service that trusts `identity`. */
export function loggingEnv(identity: Pick<IdentityProcess, "url" | "issuer" | "serviceSecrets">, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    RATE_LIMIT_POINTS: "1000000",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    LOGGING_SERVICE_SECRET: identity.serviceSecrets.logging!,
    // Nothing listens there unless a test starts its integrations stand-in.
    INTEGRATIONS_SERVICE_URL: "http://127.0.0.1:9",
    RETENTION_INTERVAL_MS: "0",
    ...overrides,
  };
}

/** Starts logging in-process on a free port (createApp, as in production). */
export async function startLogging(identity: Pick<IdentityProcess, "url" | "issuer" | "serviceSecrets">, options: { env?: Record<string, string>; port?: number; deps?: Partial<Parameters<typeof buildDeps>[1]> } = {}): Promise<TestLogging> {
  const config = loadConfig(loggingEnv(identity, options.env));
  const database = await createTestDatabase({ service: "logging", schema, migrationsDir });
  const deps = await buildDeps(config, { database, logger: createLogger({ service: "logging", level: config.logLevel }), ...options.deps });
  const server = createApp(deps);
  await server.listen(options.port ?? 0, "127.0.0.1");
  return {
    url: server.url(),
    deps,
    server,
    database,
    async close() {
      await server.shutdown("test end");
      await database.close();
    },
  };
}

/** The principals most tests need: a super admin, two org owners, and a plain member of the first org. */
export interface Cast {
  admin: TestUser;
  /** Owner of org A (holds cap:logging.read.sensitive through admin ⊂ owner). */
  alice: TestUser;
  /** Owner of org B. */
  bob: TestUser;
  /** Member of org A only: reads and writes, no sensitive rows. */
  carol: { token: string; orgId: string; principalId: string };
}

/** Registers the cast through identity's API (the first user registered is the super admin). */
export async function registerCast(identity: IdentityProcess): Promise<Cast> {
  const admin = await identity.registerUser({ orgName: "Platform admins" });
  const alice = await identity.registerUser({ orgName: "Org A" });
  const bob = await identity.registerUser({ orgName: "Org B" });
  const carolUser = await identity.registerUser({ orgName: null });
  const added = await identity.call(`/api/orgs/${alice.orgId}/members`, { token: alice.token, json: { email: carolUser.email, role: "member" } });
  if (added.status !== 201) throw new Error(`adding carol failed: ${added.status} ${JSON.stringify(added.body)}`);
  const login = await identity.call("/api/auth/login", { json: { email: carolUser.email, password: TEST_PASSWORD } });
  if (login.status !== 200) throw new Error(`carol login failed: ${login.status}`);
  return { admin, alice, bob, carol: { token: login.body.accessToken, orgId: alice.orgId, principalId: carolUser.principal.id } };
}

export { spawnIdentity, type IdentityProcess };

/** JSON over fetch, with bearer token and org. */
export async function call(url: string, init: { method?: string; token?: string; json?: unknown; orgId?: string; headers?: Record<string, string>; body?: string } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.json !== undefined) headers["content-type"] ??= "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.orgId) headers["x-org-id"] = init.orgId;
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const res = await fetch(url, { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** `n` ms ago (or ahead, negative) as ISO 8601. */
export function ago(ms: number, from = Date.now()): string {
  return new Date(from - ms).toISOString();
}
