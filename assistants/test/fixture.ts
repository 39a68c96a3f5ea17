import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import type { SymbiaServer } from "@symbia/http";
import { spawnIdentity, TEST_PASSWORD, type IdentityProcess } from "@symbia/id/testing";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import * as schema from "../src/db/schema.js";
import { buildDeps, migrationsDir, type AssistantsDeps } from "../src/deps.js";

export { TEST_PASSWORD };

/** A real identity service (child process) with a throwaway super admin registered first. */
export async function startIdentity(env: Record<string, string> = {}): Promise<IdentityProcess> {
  const identity = await spawnIdentity(env);
  await identity.registerUser({ orgName: "Platform" });
  return identity;
}

/** A principal of a test org, with a current access token. */
export interface TestPrincipal {
  id: string;
  email: string;
  token: string;
}

/** An org with its owner (an org admin) and a plain member. */
export interface TestOrg {
  orgId: string;
  owner: TestPrincipal;
  member: TestPrincipal;
}

/** Registers an owner with a new org and adds a member (logged in again so the token carries the org). */
export async function makeOrg(identity: IdentityProcess): Promise<TestOrg> {
  const owner = await identity.registerUser();
  const invited = await identity.registerUser({ orgName: null });
  const added = await identity.call(`/api/orgs/${owner.orgId}/members`, { json: { email: invited.email, role: "member" }, token: owner.token });
  if (added.status !== 201) throw new Error(`adding member failed: ${added.status} ${JSON.stringify(added.body)}`);
  const login = await identity.call("/api/auth/login", { json: { email: invited.email, password: TEST_PASSWORD } });
  if (login.status !== 200) throw new Error(`member login failed: ${login.status}`);
  return {
    orgId: owner.orgId,
    owner: { id: owner.principal.id, email: owner.email, token: owner.token },
    member: { id: invited.principal.id, email: invited.email, token: login.body.accessToken },
  };
}

/** A running assistants service (in this process) on a free port and a fresh test database. */
export interface AssistantsService {
  base: string;
  server: SymbiaServer;
  deps: AssistantsDeps;
  database: TestDatabase<typeof schema>;
  workspacesDir: string;
  close(): Promise<void>;
}

/** Test settings of the assistants service, with `env` on top. */
export function testEnv(identity: IdentityProcess, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    ASSISTANTS_PORT: "0",
    ASSISTANTS_HOST: "127.0.0.1",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    SHUTDOWN_GRACE_MS: "2000",
    RATE_LIMIT_POINTS: "0",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    ASSISTANTS_SERVICE_SECRET: identity.serviceSecrets.assistants!,
    ASSISTANTS_CATALOG: "false",
    ASSISTANTS_RELAY: "false",
    TELEMETRY_ENABLED: "false",
    ...env,
  };
}

/** Starts the service as `index.ts` does, trusting `identity`, with `env` on top of test settings. */
export async function startAssistants(identity: IdentityProcess, env: Record<string, string> = {}, options: { database?: TestDatabase<typeof schema> } = {}): Promise<AssistantsService> {
  const workspacesDir = env.ASSISTANTS_WORKSPACES_DIR ?? (await mkdtemp(join(tmpdir(), "symbia-assistants-ws-")));
  const config = loadConfig(testEnv(identity, { ASSISTANTS_WORKSPACES_DIR: workspacesDir, ...env }));
  const ownDatabase = !options.database;
  const database = options.database ?? (await createTestDatabase({ service: "assistants", schema, migrationsDir }));
  const deps = await buildDeps(config, { database });
  const server = createApp(deps);
  await server.listen(0, "127.0.0.1");
  return {
    base: server.url(),
    server,
    deps,
    database,
    workspacesDir,
    async close() {
      await server.shutdown("test end");
      if (ownDatabase) await database.close();
      if (!env.ASSISTANTS_WORKSPACES_DIR) await rm(workspacesDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call with a bearer token (and optional extra headers). */
export async function call(url: string, init: { method?: string; json?: unknown; token?: string; headers?: Record<string, string>; signal?: AbortSignal; raw?: string } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.json !== undefined || init.raw !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const body = init.raw ?? (init.json !== undefined ? JSON.stringify(init.json) : undefined);
  const res = await fetch(url, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, ...(body !== undefined ? { body } : {}), ...(init.signal ? { signal: init.signal } : {}) });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
