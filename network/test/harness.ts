import { randomBytes } from "node:crypto";
import { createServer as createNetServer } from "node:net";
import { Writable } from "node:stream";
import type { TestDatabase } from "@symbia/db/testing";
import { createLogger, type SymbiaServer } from "@symbia/http";
import { loginAsAgent, type TokenSource } from "@symbia/id";
import type { IdentityProcess, TestUser } from "@symbia/id/testing";
import { connectRelay, defineHandler, type ConnectRelayOptions, type ReceivedEvent, type RelayClient } from "@symbia/relay";
import { io as connectSocket, type Socket } from "socket.io-client";
import { z } from "zod";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type * as schema from "../src/db/schema.js";
import { buildDeps, type NetworkDeps } from "../src/deps.js";
import { openNetworkDatabase } from "./database.js";

/** Network settings for tests: fast heartbeats and sweeps, short backoff. */
export function networkTestEnv(identity: IdentityProcess, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    RATE_LIMIT_POINTS: "1000000",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    NETWORK_SERVICE_SECRET: identity.serviceSecrets.network!,
    NETWORK_HASH_SECRET: randomBytes(32).toString("hex"),
    NETWORK_HEARTBEAT_INTERVAL_MS: "200",
    NETWORK_HEARTBEAT_TIMEOUT_MS: "1000",
    NETWORK_NODE_REMOVAL_MS: "500",
    NETWORK_SWEEP_INTERVAL_MS: "100",
    NETWORK_TABLES_REFRESH_MS: "1000",
    NETWORK_DELIVERY_ACK_TIMEOUT_MS: "2000",
    NETWORK_DELIVERY_HTTP_BACKOFF_MS: "20",
    NETWORK_DELIVERY_HTTP_TIMEOUT_MS: "2000",
    NETWORK_DELIVERY_SOCKET_WAIT_MS: "1500",
    NETWORK_PLATFORM_HEALTH_TIMEOUT_MS: "500",
    ...overrides,
  };
}

/** A network running in this process on a real port, with its log lines captured. */
export interface TestNetwork {
  url: string;
  port: number;
  server: SymbiaServer;
  deps: NetworkDeps;
  env: Record<string, string>;
  /** Every log line the network wrote (JSON objects). */
  logs: Record<string, unknown>[];
  database: TestDatabase<typeof schema>;
  close(): Promise<void>;
}

/** Starts the network against a running identity (fresh database unless given; port 0 unless given). */
export async function startNetwork(identity: IdentityProcess, options: { env?: Record<string, string>; port?: number } = {}): Promise<TestNetwork> {
  const env = networkTestEnv(identity, options.env);
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const config = loadConfig(env);
  const database = await openNetworkDatabase();
  const deps = await buildDeps(config, { database, logger: createLogger({ service: "network", level: "debug", destination: stream }) });
  const server = createApp(deps);
  const port = await server.listen(options.port ?? 0, "127.0.0.1");
  return {
    url: server.url(),
    port,
    server,
    deps,
    env,
    logs,
    database,
    async close() {
      await server.shutdown("test end");
    },
  };
}

/** A free TCP port on 127.0.0.1 (to give identity the network's URL before the network starts). */
export async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** An agent registered in the owner's org, with a self-renewing login. */
export interface TestAgent {
  agentId: string;
  entityId: string;
  orgId: string;
  login: TokenSource;
}

/** Registers an agent `assistant:<name>-<random>` in `owner`'s org. */
export async function registerAgent(identity: IdentityProcess, owner: TestUser, name: string): Promise<TestAgent> {
  const agentId = `assistant:${name}-${randomBytes(3).toString("hex")}`;
  const res = await identity.call("/api/agents", { token: owner.token, orgId: owner.orgId, json: { agentId, name } });
  if (res.status !== 201) throw new Error(`agent registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { agentId, entityId: res.body.agent.entityId, orgId: owner.orgId, login: loginAsAgent({ identityUrl: identity.url, agentId, secret: res.body.secret }) };
}

/** Events a node received, in order, each once (the handler sees every delivered event). */
export interface Inbox {
  events: ReceivedEvent<unknown>[];
  /** Resolves once `count` events arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedEvent<unknown>[]>;
}

/** Handlers that record every event of every type. */
export function recordingHandlers(): { handlers: ConnectRelayOptions["handlers"]; inbox: Inbox } {
  const events: ReceivedEvent<unknown>[] = [];
  const waiters: { count: number; resolve(): void }[] = [];
  const handlers = {
    "*": defineHandler(z.unknown(), (event) => {
      events.push(event);
      for (const w of [...waiters]) if (events.length >= w.count) w.resolve();
    }),
  };
  return {
    handlers,
    inbox: {
      events,
      waitFor(count, timeoutMs = 5_000) {
        if (events.length >= count) return Promise.resolve(events);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`expected ${count} events, got ${events.length}`)), timeoutMs);
          waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(events)) });
        });
      },
    },
  };
}

/** Relay clients and raw sockets opened by a test file, closed by `closeAll`. */
export class Nodes {
  private readonly clients: RelayClient[] = [];
  private readonly sockets: Socket[] = [];

  constructor(private readonly network: () => TestNetwork) {}

  /** A relay client of the test network with fast reconnection. */
  relay(options: Omit<ConnectRelayOptions, "networkUrl"> & { networkUrl?: string }): RelayClient {
    const client = connectRelay({ networkUrl: this.network().url, reconnect: { initialDelayMs: 100, maxDelayMs: 500, jitter: 0.1 }, ackTimeoutMs: 10_000, ...options });
    this.clients.push(client);
    return client;
  }

  /** A relay client that records what it receives. */
  receiver(options: Omit<ConnectRelayOptions, "networkUrl" | "handlers">): { client: RelayClient; inbox: Inbox } {
    const { handlers, inbox } = recordingHandlers();
    return { client: this.relay({ ...options, handlers }), inbox };
  }

  /** A raw Socket.IO client (no relay library), connected or refused. */
  async socket(token?: string, auth: Record<string, string> = {}): Promise<Socket> {
    const socket = connectSocket(this.network().url, { transports: ["websocket"], reconnection: false, auth: { ...(token ? { token } : {}), ...auth } });
    this.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    return socket;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    for (const s of this.sockets) s.disconnect();
  }
}

/** JSON over fetch against the network, with a bearer token and an optional org. */
export async function api(network: TestNetwork, path: string, init: { method?: string; token?: string; json?: unknown; orgId?: string } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (init.json !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.orgId) headers["x-org-id"] = init.orgId;
  const res = await fetch(`${network.url}${path}`, { method: init.method ?? (init.json !== undefined ? "POST" : "GET"), headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Polls `check` every 50 ms until it returns a truthy value (rejects after `timeoutMs`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits `ms` (to show that something does NOT happen within a delivery's time). */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
