import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { createLogger, type SymbiaServer } from "@symbia/http";
import { spawnIdentity, TEST_PASSWORD, type IdentityProcess } from "@symbia/id/testing";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { Writable } from "node:stream";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import * as schema from "../src/db/schema.js";
import { buildDeps, migrationsDir, type AppDeps } from "../src/deps.js";

export { TEST_PASSWORD };

/** A real identity service (child process) with a throwaway super admin registered first. */
export async function startIdentity(): Promise<IdentityProcess> {
  const identity = await spawnIdentity();
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

/** A running gateway on a free port, built as `index.ts` builds it, on a fresh test database. */
export interface Gateway {
  base: string;
  server: SymbiaServer;
  deps: AppDeps;
  database: TestDatabase<typeof schema>;
  /** Log lines written by the gateway (JSON strings), when `captureLogs` was asked. */
  logs: string[];
  /** Writes the ledger's queue now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the gateway trusting `identity`, with `env` on top of test settings. */
export async function startGateway(identity: IdentityProcess, env: Record<string, string> = {}, options: { captureLogs?: boolean } = {}): Promise<Gateway> {
  const config = loadConfig({
    NODE_ENV: "test",
    INTEGRATIONS_PORT: "0",
    INTEGRATIONS_HOST: "127.0.0.1",
    LOG_LEVEL: options.captureLogs ? "debug" : (process.env.TEST_LOG_LEVEL ?? "silent"),
    SHUTDOWN_DELAY_MS: "0",
    SHUTDOWN_GRACE_MS: "2000",
    RATE_LIMIT_POINTS: "0",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    INTEGRATIONS_SERVICE_SECRET: identity.serviceSecrets.integrations!,
    INTEGRATIONS_LEDGER_FLUSH_MS: "10",
    INTEGRATIONS_MODEL_CONFIG: "env", // catalog is tested on its own (catalog.e2e.test.ts)
    INTEGRATIONS_RETRY_BASE_MS: "5",
    INTEGRATIONS_RETRY_MAX_MS: "100",
    ...env,
  });
  const logs: string[] = [];
  const logger = options.captureLogs
    ? createLogger({
        service: "integrations",
        level: "debug",
        destination: new Writable({
          write(chunk, _enc, done) {
            logs.push(...String(chunk).split("\n").filter(Boolean));
            done();
          },
        }),
      })
    : undefined;
  const database = await createTestDatabase({ service: "integrations", schema, migrationsDir });
  const deps = await buildDeps(config, { database, ...(logger ? { logger } : {}) });
  const server = createApp(deps);
  await server.listen(0, "127.0.0.1");
  return {
    base: server.url(),
    server,
    deps,
    database,
    logs,
    async flush() {
      await deps.ledger.flush();
    },
    async close() {
      await server.shutdown("test end");
      await database.close();
    },
  };
}

/** A JSON call with a bearer token (and optional extra headers). */
export async function call(url: string, init: { method?: string; json?: unknown; token?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(url, { method: init.method ?? (init.json === undefined ? "GET" : "POST"), headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}), ...(init.signal ? { signal: init.signal } : {}) });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON (an SSE body) */
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Reads Server-Sent Events from a response (eventsource-parser): `{event, data}` as they arrive. */
export async function* sseEvents(res: Response): AsyncGenerator<{ event: string | undefined; data: string }> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
    while (queue.length) {
      const e = queue.shift()!;
      yield { event: e.event, data: e.data };
    }
  }
}

/** A streamed execute call: the response as soon as its headers arrive. */
export function streamExecute(base: string, token: string, body: Record<string, unknown>, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/api/integrations/execute`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ ...body, stream: true }),
    ...(signal ? { signal } : {}),
  });
}

/** Polls `check` every 20 ms until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A chat request body for execute. */
export function chatBody(extra: Record<string, unknown> = {}, text = "Say hello") {
  return { operation: "chat", params: { messages: [{ role: "user", content: text }] }, ...extra };
}
