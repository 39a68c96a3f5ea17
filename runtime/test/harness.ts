import type { Database } from "@symbia/db";
import { createLogger } from "@symbia/http";
import { spawnIdentity, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { startApp, type RuntimeApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { buildDeps, type RuntimeDeps } from "../src/deps.js";
import type { ExecutionTelemetry } from "../src/telemetry/telemetry.js";
import { openTestDatabase, type schema } from "./db.js";

export type { IdentityProcess, TestUser };

/** Identity in a child process, with a throwaway first user (identity makes the first user super admin). */
export async function startIdentity(): Promise<IdentityProcess & { superAdmin: TestUser }> {
  const identity = await spawnIdentity();
  const superAdmin = await identity.registerUser({ email: `root-${Date.now()}@example.com`, orgName: "Root" });
  return Object.assign(identity, { superAdmin });
}

/** Runtime's environment for a test against `identity` (and a catalog, when given). */
export function runtimeEnv(identity: IdentityProcess, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    SHUTDOWN_GRACE_MS: "2000",
    RATE_LIMIT_POINTS: "1000000",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    RUNTIME_SERVICE_SECRET: identity.serviceSecrets.runtime!,
    // Nothing listens here unless a test starts catalog and overrides it.
    CATALOG_SERVICE_URL: "http://127.0.0.1:9",
    RUNTIME_CHECKPOINT_INTERVAL_MS: "0",
    ...overrides,
  };
}

/** A runtime on a real HTTP port (in this process) with its deps. */
export interface TestRuntime extends RuntimeApp {
  url: string;
  deps: RuntimeDeps;
  /** What the start resumed (executions live when the previous service on this database stopped). */
  resumed: { resumed: string[]; failed: string[] };
  /** Graceful shutdown (what SIGTERM does): suspends live executions, closes the database. */
  close(): Promise<void>;
}

/**
 * Starts runtime in-process as `index.ts` does (build deps, resume, listen on port 0) on
 * `database` (default: a fresh test database, dropped at close).
 */
export async function startRuntime(
  identity: IdentityProcess,
  options: { env?: Record<string, string>; database?: Database<typeof schema>; telemetry?: ExecutionTelemetry } = {},
): Promise<TestRuntime> {
  const config = loadConfig(runtimeEnv(identity, options.env));
  const database = options.database ?? (await openTestDatabase());
  const deps = await buildDeps(config, { database, logger: createLogger({ service: "runtime", level: config.logLevel }), ...(options.telemetry ? { telemetry: options.telemetry } : {}) });
  const app = await startApp(deps, { port: 0, host: "127.0.0.1" });
  return { ...app, url: app.server.url(), deps, close: () => app.server.shutdown("test") };
}

/** A JSON answer. */
export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON client of a service for one bearer credential (token or `sk_` key). */
export function client(baseUrl: string, credential?: string) {
  return async function call<T = any>(method: string, path: string, init: { json?: unknown; orgId?: string; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (credential) headers.authorization = `Bearer ${credential}`;
    if (init.orgId) headers["x-org-id"] = init.orgId;
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (metrics): keep the text.
    }
    return { status: res.status, body: body as T, headers: res.headers };
  };
}

/** A connected Socket.IO client of `url` with `token` (rejects with the connect error). */
export async function socketClient(url: string, token?: string, auth: Record<string, unknown> = {}): Promise<ClientSocket> {
  const socket = connect(url, { transports: ["websocket"], reconnection: false, forceNew: true, auth: { ...(token ? { token } : {}), ...auth } });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (error) => {
      socket.close();
      reject(error);
    });
  });
  return socket;
}

/** Emits `event` with `payload` and resolves with the ack. */
export function ack<T = any>(socket: ClientSocket, event: string, payload: unknown): Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: unknown } }> {
  return socket.timeout(5_000).emitWithAck(event, payload);
}

/** Polls `check` every 20 ms until it is true (or fails after `ms`). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
