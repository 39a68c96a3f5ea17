import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { createLogger, type SymbiaServer } from "@symbia/http";
import { TEST_PASSWORD, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import { CAPABILITIES } from "@symbia/sys";
import { io as connectSocket, type Socket } from "socket.io-client";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import * as schema from "../src/db/schema.js";
import { buildDeps, migrationsDir, type MessagingDeps } from "../src/deps.js";

const CAP = CAPABILITIES.messaging;

/** A running messaging service on a real port, on a fresh database (pg-mem or a schema on TEST_DATABASE_URL). */
export interface TestMessaging {
  url: string;
  server: SymbiaServer;
  deps: MessagingDeps;
  database: TestDatabase<typeof schema>;
  close(): Promise<void>;
}

/** Environment of a test messaging wired to a test identity. */
export function messagingEnv(identity: IdentityProcess, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    SHUTDOWN_GRACE_MS: "2000",
    RATE_LIMIT_POINTS: "1000000",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    MESSAGING_SERVICE_SECRET: identity.serviceSecrets.messaging!,
    // Nothing listens on port 9 (discard): webhook deliveries fail fast unless a test sets a URL.
    MESSAGING_ASSISTANT_WEBHOOK_URL: "http://127.0.0.1:9/webhook",
    MESSAGING_WEBHOOK_RETRIES: "0",
    // Tests that use the relay turn it on with their own network (test/network.ts).
    MESSAGING_RELAY: "false",
    ...overrides,
  };
}

/** Starts messaging in-process. Pass `database` to share one between instances (scale-out tests). */
export async function startMessaging(identity: IdentityProcess, options: { env?: Record<string, string>; database?: TestDatabase<typeof schema> } = {}): Promise<TestMessaging> {
  const config = loadConfig(messagingEnv(identity, options.env));
  const database = options.database ?? (await createTestDatabase({ service: "messaging", schema, migrationsDir }));
  const deps = await buildDeps(config, { database, logger: createLogger({ service: "messaging", level: config.logLevel }) });
  const server = createApp(deps);
  await server.listen(0, "127.0.0.1");
  await deps.bus.start?.();
  return {
    url: server.url(),
    server,
    deps,
    database,
    async close() {
      await server.shutdown("test end");
      if (!options.database) await database.close();
    },
  };
}

/** A principal usable in tests: its token, ids and org. */
export interface Member {
  token: string;
  id: string;
  entityId: string;
  orgId: string;
  email?: string;
  name: string;
}

function member(user: TestUser, orgId: string): Member {
  return { token: user.token, id: user.principal.id, entityId: user.principal.entityId, orgId, email: user.email, name: user.principal.name ?? user.email };
}

/** Logs a user in again (after an org change, so the token lists it). */
export async function relogin(identity: IdentityProcess, email: string): Promise<string> {
  const res = await identity.call("/api/auth/login", { json: { email, password: TEST_PASSWORD } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken as string;
}

/** Registers a user and makes it a member (or `role`) of `org` (owned by `owner`). */
export async function addUserToOrg(identity: IdentityProcess, owner: Member, role: "admin" | "member" | "viewer" = "member", name?: string): Promise<Member> {
  const user = await identity.registerUser({ orgName: null, ...(name ? { name } : {}) });
  const added = await identity.call(`/api/orgs/${owner.orgId}/members`, { token: owner.token, json: { email: user.email, role } });
  if (added.status !== 201) throw new Error(`adding member failed: ${added.status} ${JSON.stringify(added.body)}`);
  return { ...member(user, owner.orgId), token: await relogin(identity, user.email) };
}

/** Registers a user with a new org it owns. */
export async function registerOwner(identity: IdentityProcess, name?: string): Promise<Member> {
  const user = await identity.registerUser(name ? { name } : {});
  return member(user, user.orgId);
}

/** Registers an agent in the owner's org and logs it in. */
export async function registerAgent(identity: IdentityProcess, owner: Member, agentId: string, capabilities: string[] = [CAP.read, CAP.send, CAP.interrupt]): Promise<Member & { secret: string }> {
  const created = await identity.call("/api/agents", { token: owner.token, orgId: owner.orgId, json: { agentId, name: agentId, capabilities } });
  if (created.status !== 201) throw new Error(`agent registration failed: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await identity.call("/api/auth/agent-token", { json: { agentId, secret: created.body.secret } });
  if (login.status !== 200) throw new Error(`agent login failed: ${login.status}`);
  return { token: login.body.accessToken, id: agentId, entityId: created.body.agent.entityId, orgId: owner.orgId, name: agentId, secret: created.body.secret };
}

/** A unique agent id for one test run. */
export function agentId(name: string): string {
  return `assistant:${name}-${randomBytes(3).toString("hex")}`;
}

/** JSON over fetch against messaging. */
export async function api(base: string, path: string, init: { method?: string; token?: string; json?: unknown; orgId?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.orgId) headers["x-org-id"] = init.orgId;
  const res = await fetch(`${base}${path}`, { method: init.method ?? (init.json !== undefined ? "POST" : "GET"), headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** A raw Socket.IO client connected as `who` (websocket transport), after the connection is accepted. */
export async function connect(base: string, who: { token: string; orgId?: string }, options: { orgId?: string } = {}): Promise<Socket> {
  const socket = connectSocket(base, { auth: { token: who.token, ...(options.orgId ? { orgId: options.orgId } : {}) }, transports: ["websocket"], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (error) => reject(error));
  });
  // Rooms are joined in onConnection (async); a no-op round trip ensures they are in place.
  await emitAck(socket, "presence:list", {});
  return socket;
}

/** Emits a client event and resolves with its ack (`{ok, data}` or `{ok: false, error}`). */
export function emitAck<T = any>(socket: Socket, event: string, payload?: unknown, timeoutMs = 10_000): Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: any } }> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as never;
}

/** Records every `event` a socket receives, with a wait for a condition. */
export function record<T = any>(socket: Socket, event: string) {
  const items: T[] = [];
  const waiters: { predicate: (items: T[]) => boolean; resolve: () => void }[] = [];
  socket.on(event, (payload: T) => {
    items.push(payload);
    for (const w of [...waiters]) if (w.predicate(items)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  return {
    items,
    /** Resolves when `predicate(items)` holds; rejects after `timeoutMs`. */
    until(predicate: (items: T[]) => boolean, timeoutMs = 10_000): Promise<T[]> {
      if (predicate(items)) return Promise.resolve(items);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event} (have ${items.length})`)), timeoutMs);
        waiters.push({ predicate, resolve: () => (clearTimeout(timer), resolve(items)) });
      });
    },
  };
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
