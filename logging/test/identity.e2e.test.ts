import { randomBytes } from "node:crypto";
import { createServer as createNetServer } from "node:net";
import { createLoggingClient, tracedFetch } from "@symbia/logging-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, spawnIdentity, startLogging, type IdentityProcess, type TestLogging } from "./harness.js";
import type { TestUser } from "@symbia/id/testing";

/** A free port, released for the service that will listen on it. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("identity ships its telemetry through @symbia/logging-client", () => {
  let identity: IdentityProcess;
  let logging: TestLogging;
  let admin: TestUser;
  let alice: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    identity = await spawnIdentity({ TELEMETRY_ENABLED: "true", LOGGING_SERVICE_URL: `http://127.0.0.1:${port}`, TELEMETRY_FLUSH_MS: "100", TELEMETRY_LOG_LEVEL: "info" });
    logging = await startLogging(identity, { port });
    admin = await identity.registerUser({ orgName: "Platform admins" });
    alice = await identity.registerUser({ orgName: "Org A" });
  });
  afterAll(async () => {
    await identity?.stop();
    await logging?.close();
  });

  const trace = (traceId: string, token: string, orgId?: string) =>
    eventually(async () => {
      const res = await call(`${logging.url}/api/traces/${traceId}`, { token, ...(orgId ? { orgId } : {}) });
      return res.status === 200 ? res.body : undefined;
    }, `trace ${traceId}`);

  it("records a server span per request with the caller's trace and parent ids, and the request's log line", async () => {
    const traceId = hex(16);
    const parent = hex(8);
    const res = await fetch(`${identity.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", traceparent: `00-${traceId}-${parent}-01` }, body: JSON.stringify({ email: alice.email, password: "wrong-Password-123" }) });
    expect(res.status).toBe(401);
    // Unauthenticated requests belong to no tenant: the platform org, read by the super admin.
    const view = await trace(traceId, admin.token, "platform");
    expect(view.services).toEqual(["identity"]);
    expect(view.roots[0]).toMatchObject({ name: "POST /api/auth/login", kind: "server", parentSpanId: parent, service: "identity", attributes: { "http.route": "/api/auth/login", "http.response.status_code": 401, "http.request.method": "POST" } });
    const lines = await eventually(async () => {
      const r = await call(`${logging.url}/api/logs?traceId=${traceId}`, { token: admin.token, orgId: "platform" });
      return r.body.items.length ? r.body.items : undefined;
    }, "the request's log line");
    expect(lines.find((l: { message: string }) => l.message === "request")).toMatchObject({ service: "identity", level: "info", traceId, fields: { status: 401, path: "/api/auth/login" } });
  });

  it("puts a tenant's request in the tenant's org", async () => {
    const traceId = hex(16);
    const res = await fetch(`${identity.url}/api/credentials`, { headers: { authorization: `Bearer ${alice.token}`, traceparent: `00-${traceId}-${hex(8)}-01` } });
    expect(res.status).toBe(200);
    const view = await trace(traceId, alice.token);
    expect(view.roots[0]).toMatchObject({ name: "GET /api/credentials", orgId: alice.orgId, attributes: { "enduser.id": alice.principal.id } });
  });

  it("shows one trace across a caller's client span and identity's server span", async () => {
    const caller = createLoggingClient({ url: logging.url, service: "caller", auth: identity.serviceLogin("messaging"), flushIntervalMs: 50 });
    const res = await tracedFetch(caller, `${identity.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    await caller.shutdown();
    expect(caller.stats()).toMatchObject({ sent: 1, droppedTotal: 0 });
    const spans = await eventually(async () => {
      const r = await call(`${logging.url}/api/spans?service=caller`, { token: admin.token, orgId: "platform" });
      return r.body.items.length ? r.body.items : undefined;
    }, "the caller's span");
    // Each side flushes on its own schedule: wait for both spans.
    const view = await eventually(async () => {
      const res = await call(`${logging.url}/api/traces/${spans[0].traceId}`, { token: admin.token, orgId: "platform" });
      return res.body.spanCount === 2 ? res.body : undefined;
    }, "both sides of the call");
    expect(view.services).toEqual(["caller", "identity"]);
    expect(view.roots).toHaveLength(1);
    expect(view.roots[0]).toMatchObject({ service: "caller", kind: "client", name: "HTTP GET", attributes: { "http.response.status_code": 200 } });
    expect(view.roots[0].children[0]).toMatchObject({ service: "identity", kind: "server", name: "GET /.well-known/jwks.json" });
  });
});

describe("with logging down", () => {
  let identity: IdentityProcess;
  beforeAll(async () => {
    const dead = await freePort();
    identity = await spawnIdentity({ TELEMETRY_ENABLED: "true", LOGGING_SERVICE_URL: `http://127.0.0.1:${dead}`, TELEMETRY_FLUSH_MS: "50", TELEMETRY_MAX_QUEUE: "5", TELEMETRY_LOG_LEVEL: "info" });
  });
  afterAll(() => identity?.stop());

  it("identity keeps answering and reports what its client dropped", async () => {
    const user = await identity.registerUser({ orgName: "Org" });
    for (let i = 0; i < 20; i++) {
      const me = await identity.call("/api/auth/me", { token: user.token });
      expect(me.status).toBe(200);
    }
    const metrics = await (await fetch(`${identity.url}/metrics`)).text();
    const dropped = Number(/^symbia_telemetry_dropped_total\{reason="queue_full"[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThan(0);
    expect(metrics).toMatch(/^symbia_telemetry_sent_total\{[^}]*\} 0$/m);
  });
});
