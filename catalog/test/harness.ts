import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BodySchemaMap, Resource, VersionSummary } from "@symbia/catalog-client";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { createLogger, type SymbiaServer } from "@symbia/http";
import { spawnIdentity, TEST_PASSWORD, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import * as schema from "../src/db/schema.js";
import { buildDeps, migrationsDir, type CatalogDeps } from "../src/deps.js";
import type { CatalogEvents } from "../src/events/events.js";

export { TEST_PASSWORD };
export type { IdentityProcess, TestUser };

/** Identity in a child process, with a throwaway first user (identity makes the first user super admin). */
export async function startIdentity(): Promise<IdentityProcess & { superAdmin: TestUser }> {
  const identity = await spawnIdentity();
  const superAdmin = await identity.registerUser({ email: `root-${Date.now()}@example.com`, orgName: "Root" });
  return Object.assign(identity, { superAdmin });
}

/** A running catalog on a real HTTP port and a fresh database (pg-mem, or a schema on TEST_DATABASE_URL). */
export interface TestCatalog {
  url: string;
  deps: CatalogDeps;
  server: SymbiaServer;
  database: TestDatabase<typeof schema>;
  artifactsDir: string;
  events: { resource: Resource; version: VersionSummary }[];
  close(): Promise<void>;
}

/** Catalog's environment for a test against `identity`. */
export function catalogEnv(identity: IdentityProcess, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    RATE_LIMIT_POINTS: "1000000",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    CATALOG_SERVICE_SECRET: identity.serviceSecrets.catalog!,
    CATALOG_BOOTSTRAP_FILE: "off",
    ...overrides,
  };
}

/**
 * Starts catalog in-process (`createApp(deps)`, port 0). Pass `database` and `artifactsDir` to
 * restart on the same state; `keepState` leaves both behind at close. Events are recorded in
 * `events` unless `realEvents` keeps catalog's own (relay or log).
 */
export async function startCatalog(
  identity: IdentityProcess,
  options: { env?: Record<string, string>; database?: TestDatabase<typeof schema>; artifactsDir?: string; keepState?: boolean; bodySchemas?: BodySchemaMap; realEvents?: boolean } = {},
): Promise<TestCatalog> {
  const artifactsDir = options.artifactsDir ?? (await mkdtemp(join(tmpdir(), "catalog-artifacts-")));
  const config = loadConfig(catalogEnv(identity, { CATALOG_ARTIFACTS_DIR: artifactsDir, ...options.env }));
  const database = options.database ?? (await createTestDatabase({ service: "catalog", schema, migrationsDir }));
  const events: TestCatalog["events"] = [];
  const recorder: CatalogEvents = { published: (resource, version) => void events.push({ resource, version }) };
  // The server closes its database at shutdown; when the state must outlive it, hand the server a
  // view whose close() keeps the schema (a TestDatabase's close() drops it).
  const served = options.keepState ? (Object.assign(Object.create(database) as typeof database, { close: database.closeConnections }) as typeof database) : database;
  const deps = await buildDeps(config, {
    database: served,
    logger: createLogger({ service: "catalog", level: config.logLevel }),
    // realEvents: catalog's own events (the relay node when CATALOG_RELAY is on); `events` stays empty.
    ...(options.realEvents ? {} : { events: recorder }),
    ...(options.bodySchemas ? { bodySchemas: options.bodySchemas } : {}),
  });
  const server = createApp(deps);
  await server.listen(0, "127.0.0.1");
  return {
    url: server.url(),
    deps,
    server,
    database,
    artifactsDir,
    events,
    async close() {
      await server.shutdown("test end");
      if (options.keepState) {
        await database.closeConnections();
        return;
      }
      await database.close();
      await rm(artifactsDir, { recursive: true, force: true });
    },
  };
}

/** The answer of a call: status, headers and the parsed JSON body (or text). */
export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
}

/** JSON (or raw) over fetch, with a token and an optional org. */
export async function call(
  url: string,
  path: string,
  init: { method?: string; token?: string; json?: unknown; orgId?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.orgId) headers["x-org-id"] = init.orgId;
  const method = init.method ?? (init.json !== undefined || init.body !== undefined ? "POST" : "GET");
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.body !== undefined ? { body: init.body as BodyInit } : {}),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

type BodyInit = NonNullable<RequestInit["body"]>;

/** URL path segment of a resource key (`components/map` → `components%2Fmap`). */
export function ref(key: string): string {
  return encodeURIComponent(key);
}

/** Adds `user` to `owner`'s org with `role` and logs the user in again, so its token carries the org. */
export async function addMember(identity: IdentityProcess, owner: TestUser, user: TestUser, role: "admin" | "member" | "viewer"): Promise<TestUser> {
  const added = await identity.call(`/api/orgs/${owner.orgId}/members`, { token: owner.token, json: { email: user.email, role } });
  if (added.status !== 201) throw new Error(`adding member failed: ${added.status} ${JSON.stringify(added.body)}`);
  return login(identity, user);
}

/** A fresh login of `user` (tokens then carry its current orgs). */
export async function login(identity: IdentityProcess, user: TestUser): Promise<TestUser> {
  const res = await identity.call("/api/auth/login", { json: { email: user.email, password: TEST_PASSWORD } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...user, token: res.body.accessToken, refreshToken: res.body.refreshToken, principal: res.body.principal };
}

/** A small valid body of each type, for tests. */
export const BODIES = {
  component: { inputs: [{ name: "in", schema: { type: "number" } }], outputs: [{ name: "out", schema: { type: "number" } }], config: { type: "object" } },
  graph: { nodes: [{ id: "double", component: "map", config: { expression: "value * 2" } }], edges: [] },
  executor: { runtime: "javascript", code: "export default (value) => value" },
  assistant: {
    principal: { agentId: "assistant:helper", capabilities: ["cap:messaging.send"] },
    rules: { rules: [{ id: "hello", trigger: "message.received", actions: [{ type: "message.send", params: { content: "hi" } }] }] },
    model: { provider: "symbia-labs", model: "symbia-test" },
  },
  context: { format: "markdown", content: "# Notes" },
  integration: { provider: "openai", baseUrl: "https://api.openai.com", endpoints: { chat: "/v1/chat/completions" } },
} as const;
