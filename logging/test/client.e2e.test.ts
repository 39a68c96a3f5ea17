import { randomBytes } from "node:crypto";
import { createServer as createNetServer } from "node:net";
import type { LoginSession } from "@symbia/id";
import { createLoggingClient, startRelaySpan, tracedFetch, withRelaySpan, withSpan, type LoggingClient } from "@symbia/logging-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "./harness.js";

let identity: IdentityProcess;
let logging: TestLogging;
let cast: Cast;
let service: LoginSession;
const clients: LoggingClient[] = [];
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  logging = await startLogging(identity);
  service = identity.serviceLogin("runtime");
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.shutdown(100)));
  await logging?.close();
  await identity?.stop();
});

function client(options: Partial<Parameters<typeof createLoggingClient>[0]> = {}): LoggingClient {
  const c = createLoggingClient({ url: logging.url, service: "runtime", auth: service, orgId: cast.alice.orgId, ...options });
  clients.push(c);
  return c;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const logsOf = async (service: string) => (await call(`${logging.url}/api/logs?service=${service}&limit=1000`, { token: cast.alice.token })).body.items as { message: string; id: string }[];

describe("@symbia/logging-client batching", () => {
  it("sends a batch as soon as it is full", async () => {
    const c = client({ service: "by-size", batchSize: 5, flushIntervalMs: 60_000 });
    for (let i = 0; i < 4; i++) expect(c.log({ level: "info", message: `line ${i}` })).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.stats()).toMatchObject({ sent: 0, queued: 4 });
    c.log({ level: "info", message: "line 4" });
    await until(() => c.stats().sent === 5, "the full batch");
    expect((await logsOf("by-size")).map((l) => l.message).sort()).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4"]);
  });

  it("sends a partial batch when the interval passes", async () => {
    const c = client({ service: "by-time", batchSize: 1_000, flushIntervalMs: 100 });
    c.metric({ name: "jobs_total", value: 2, labels: { queue: "default" } });
    await until(() => c.stats().sent === 1, "the timer");
    const res = await call(`${logging.url}/api/metrics?name=jobs_total`, { token: cast.alice.token });
    expect(res.body.items[0]).toMatchObject({ service: "by-time", value: 2, labels: { queue: "default" } });
  });

  it("flushes what is queued on shutdown", async () => {
    const c = client({ service: "at-shutdown", batchSize: 1_000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 7; i++) c.log({ level: "warn", message: `pending ${i}` });
    await c.shutdown();
    expect(c.stats()).toMatchObject({ sent: 7, queued: 0, droppedTotal: 0 });
    expect(await logsOf("at-shutdown")).toHaveLength(7);
    expect(c.log({ level: "info", message: "after shutdown" })).toBe(false);
  });

  it("drops invalid events before queueing, so they never sink a batch", async () => {
    const c = client({ service: "invalid", flushIntervalMs: 50 });
    expect(c.log({ level: "loud" as "info", message: "bad level" })).toBe(false);
    expect(c.span({ traceId: hex(16), spanId: "nope", name: "x", startTime: new Date().toISOString(), endTime: new Date().toISOString() })).toBe(false);
    expect(c.log({ level: "info", message: "good" })).toBe(true);
    await until(() => c.stats().sent === 1, "the good event");
    expect(c.stats().dropped).toEqual({ invalid: 2, queueFull: 0, failed: 0, rejected: 0 });
  });

  it("counts a batch logging refuses (4xx) as rejected and reports it", async () => {
    const errors: { status?: number }[] = [];
    const c = createLoggingClient({ url: logging.url, service: "anonymous", flushIntervalMs: 50, onError: (_e, d) => errors.push(d) });
    clients.push(c);
    c.log({ level: "info", message: "no credentials" });
    await until(() => c.stats().dropped.rejected === 1, "the rejection");
    expect(errors).toEqual([{ events: 1, status: 401 }]);
    expect(c.stats().retries).toBe(0);
  });
});

describe("@symbia/logging-client with logging down", () => {
  it("never blocks: a full queue drops new events and counts them", async () => {
    const dead = await freePort();
    const c = createLoggingClient({ url: `http://127.0.0.1:${dead}`, service: "down", maxQueue: 100, batchSize: 10, flushIntervalMs: 10, retryBaseMs: 1_000 });
    clients.push(c);
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) if (c.log({ level: "info", message: `event ${i}` })) accepted++;
    expect(accepted).toBe(100);
    const stats = c.stats();
    expect(stats.queued + stats.inFlight).toBe(100);
    expect(stats.dropped.queueFull).toBe(9_900);
    // Shutdown gives up within its deadline and counts what was left as failed.
    const t0 = Date.now();
    await c.shutdown(300);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(c.stats().dropped).toMatchObject({ queueFull: 9_900, failed: 100 });
    expect(c.stats().sent).toBe(0);
  });

  it("retries with backoff until logging is back, and stores the batch once", async () => {
    const port = await freePort();
    const c = createLoggingClient({ url: `http://127.0.0.1:${port}`, service: "comeback", auth: service, orgId: cast.alice.orgId, flushIntervalMs: 20, retryBaseMs: 50, retryMaxMs: 200, maxRetries: 50 });
    clients.push(c);
    for (let i = 0; i < 3; i++) c.log({ level: "info", message: `while down ${i}` });
    await until(() => c.stats().retries >= 2, "retries");
    expect(c.stats().sent).toBe(0);
    const second = await startLogging(identity, { port });
    try {
      await until(() => c.stats().sent === 3, "delivery after the restart", 10_000);
      const stored = await call(`${second.url}/api/logs?service=comeback`, { token: cast.alice.token });
      expect(stored.body.items.map((l: { message: string }) => l.message).sort()).toEqual(["while down 0", "while down 1", "while down 2"]);
      expect(c.stats().droppedTotal).toBe(0);
    } finally {
      await c.shutdown();
      await second.close();
    }
  });
});

describe("span helpers", () => {
  it("nest spans, carry the trace id into outgoing calls and relay hops", async () => {
    const c = client({ service: "worker", flushIntervalMs: 50 });
    let traceId = "";
    let jobSpan = "";
    await withSpan(c, "nightly job", { attributes: { "job.name": "reindex" } }, async (span) => {
      traceId = span.traceId;
      jobSpan = span.spanId;
      const res = await tracedFetch(c, `${logging.url}/health`);
      expect(res.status).toBe(200);
      const event = { id: "evt-1", type: "message.new", source: "service:messaging", target: "service:assistants", traceId, runId: "run-99" };
      const sent = await withRelaySpan(c, event, "send", async (hop) => hop.spanId);
      // The receiving side knows the sender's span from the event.
      startRelaySpan(c, event, "receive", { parentSpanId: sent }).end();
    });
    await expect(withSpan(c, "failing step", {}, () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full");
    await c.flush();
    await until(() => c.stats().sent === 5, "five spans");

    const res = await call(`${logging.url}/api/traces/${traceId}`, { token: cast.alice.token });
    expect(res.status).toBe(200);
    expect(res.body.spanCount).toBe(4);
    const [root] = res.body.roots;
    expect(root).toMatchObject({ spanId: jobSpan, name: "nightly job", kind: "internal", attributes: { "job.name": "reindex" } });
    expect(root.children.map((s: { name: string; kind: string }) => `${s.kind} ${s.name}`)).toEqual(["client HTTP GET", "producer send message.new"]);
    expect(root.children[0].attributes).toMatchObject({ "http.request.method": "GET", "url.path": "/health", "http.response.status_code": 200 });
    const send = root.children[1];
    expect(send).toMatchObject({ runId: "run-99", attributes: { "messaging.system": "symbia-relay", "messaging.message.id": "evt-1", "symbia.relay.target": "service:assistants" } });
    expect(send.children.map((s: { name: string; kind: string }) => `${s.kind} ${s.name}`)).toEqual(["consumer receive message.new"]);

    const failed = await call(`${logging.url}/api/spans?name=failing%20step`, { token: cast.alice.token });
    expect(failed.body.items[0]).toMatchObject({ status: "error", statusMessage: "disk full", events: [expect.objectContaining({ name: "exception", attributes: { "exception.type": "Error", "exception.message": "disk full" } })] });
  });
});
