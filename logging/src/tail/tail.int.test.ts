import { request, type IncomingMessage } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "../../test/harness.js";

let identity: IdentityProcess;
let logging: TestLogging;
let cast: Cast;
// Larger than one ingest burst (10 × 50 KB lines published at once), so a reader that keeps up
// is never dropped; far smaller than what a stalled reader is sent below.
const MAX_BUFFER = 1024 * 1024;

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  logging = await startLogging(identity, { env: { TAIL_MAX_BUFFER_BYTES: String(MAX_BUFFER), BODY_LIMIT_BYTES: String(4 * 1024 * 1024) } });
});
afterAll(async () => {
  await logging?.close();
  await identity?.stop();
});

/** A real SSE client over node:http, parsing with eventsource-parser; `pause()` stops reading the socket. */
function openTail(query: string, token: string) {
  const events: EventSourceMessage[] = [];
  const waiters: { test: (e: EventSourceMessage) => boolean; resolve: (e: EventSourceMessage) => void }[] = [];
  const parser = createParser({
    onEvent(event) {
      events.push(event);
      for (const w of [...waiters]) if (w.test(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    },
  });
  let response: IncomingMessage | undefined;
  let ended = false;
  const endedPromise = new Promise<void>((resolveEnd) => {
    const req = request(`${logging.url}/api/logs/stream?${query}`, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } }, (res) => {
      response = res;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.feed(chunk));
      res.on("end", () => {
        ended = true;
        resolveEnd();
      });
      res.on("error", () => resolveEnd());
      res.on("close", () => resolveEnd());
    });
    req.on("error", () => resolveEnd());
    req.end();
  });
  return {
    events,
    get status() {
      return response?.statusCode;
    },
    get ended() {
      return ended;
    },
    ended$: endedPromise,
    next(test: (e: EventSourceMessage) => boolean, timeoutMs: number): Promise<EventSourceMessage> {
      const found = events.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms (got ${events.map((e) => e.event).join(",")})`)), timeoutMs);
        waiters.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    pause: () => response?.pause(),
    resume: () => response?.resume(),
    close: () => response?.destroy(),
  };
}

const ingest = (token: string, items: unknown[], orgId?: string) => call(`${logging.url}/api/logs`, { token, json: { items }, ...(orgId ? { orgId } : {}) });

describe("GET /api/logs/stream", () => {
  it("delivers a new matching line within 1 s, and nothing that does not match or may not be read", async () => {
    const tail = openTail("service=checkout&minLevel=warn", cast.carol.token);
    await tail.next((e) => e.event === "ready", 5_000);
    expect(logging.deps.tail.size).toBe(1);

    await ingest(cast.alice.token, [
      { service: "billing", level: "error", message: "other service" },
      { service: "checkout", level: "info", message: "below the level" },
      { service: "checkout", level: "error", message: "sensitive failure", dataClass: "pii" },
    ]);
    await ingest(cast.bob.token, [{ service: "checkout", level: "error", message: "another org" }]);
    const sentAt = Date.now();
    const res = await ingest(cast.alice.token, [{ id: "tail-match-01", service: "checkout", level: "error", message: "payment failed" }]);
    expect(res.status).toBe(201);
    const event = await tail.next((e) => e.event === "log", 1_000);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(event.id).toBe("tail-match-01");
    expect(JSON.parse(event.data)).toMatchObject({ id: "tail-match-01", orgId: cast.alice.orgId, service: "checkout", level: "error", message: "payment failed" });
    // Everything published before the match was filtered out: the match is the only log event.
    expect(tail.events.filter((e) => e.event === "log").map((e) => e.id)).toEqual(["tail-match-01"]);
    tail.close();
    await tail.ended$;
    for (let i = 0; i < 50 && logging.deps.tail.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(logging.deps.tail.size).toBe(0);
  });

  it("drops a client that stops reading, with a final notice, instead of buffering without bound", async () => {
    const stalled = openTail("service=flood", cast.alice.token);
    const healthy = openTail("service=flood", cast.alice.token);
    await stalled.next((e) => e.event === "ready", 5_000);
    await healthy.next((e) => e.event === "ready", 5_000);
    stalled.pause();

    const message = "x".repeat(50_000);
    let sent = 0;
    // Up to ~25 MB: more than the kernel's socket buffers (a few MB on loopback) and the 1 MiB allowed.
    for (let batch = 0; batch < 50 && logging.deps.tail.size > 1; batch++) {
      const res = await ingest(cast.alice.token, Array.from({ length: 10 }, (_, i) => ({ service: "flood", level: "info", message: `${batch}-${i} ${message}` })));
      expect(res.status).toBe(201);
      sent += 10;
    }
    expect(logging.deps.tail.size).toBe(1); // only the healthy client is left
    const metrics = await (await fetch(`${logging.url}/metrics`)).text();
    expect(metrics).toMatch(/^logging_tail_dropped_total\{[^}]*\} 1$/m);

    // The healthy reader got every line.
    await healthy.next((e) => e.event === "log" && JSON.parse(e.data).message.startsWith(`${sent / 10 - 1}-9 `), 5_000);
    expect(healthy.events.filter((e) => e.event === "log")).toHaveLength(sent);

    // The stalled one, once it reads again, finds the notice as the last event and the stream closed.
    stalled.resume();
    await stalled.ended$;
    const last = stalled.events.at(-1)!;
    expect(last.event).toBe("dropped");
    expect(JSON.parse(last.data)).toMatchObject({ reason: "slow_client", maxBufferBytes: MAX_BUFFER });
    const received = stalled.events.filter((e) => e.event === "log").length;
    expect(received).toBeLessThan(sent);
    expect(JSON.parse(last.data).delivered).toBe(received);
    healthy.close();
  });

  it("answers 401 without credentials and filters with the caller's org", async () => {
    const anon = await fetch(`${logging.url}/api/logs/stream`);
    expect(anon.status).toBe(401);
    const other = await call(`${logging.url}/api/logs/stream`, { token: cast.bob.token, orgId: cast.alice.orgId });
    expect(other.status).toBe(403);
  });
});
