import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ago, call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "./harness.js";

let identity: IdentityProcess;
let logging: TestLogging;
let cast: Cast;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  logging = await startLogging(identity);
});
afterAll(async () => {
  await logging?.close();
  await identity?.stop();
});

describe("POST /api/logs → GET /api/logs", () => {
  const base = Date.now() - 60_000;
  const at = (i: number) => new Date(base + i * 1000).toISOString();
  const traceId = hex(16);

  beforeAll(async () => {
    const items = [
      { id: "log-000001", service: "checkout", env: "production", timestamp: at(0), level: "info", message: "order placed", fields: { orderId: "o-1", amount: 42 }, traceId, runId: "run-7" },
      { id: "log-000002", service: "checkout", env: "production", timestamp: at(1), level: "warn", message: "payment retry 50% off_peak", fields: { orderId: "o-1" }, traceId },
      { id: "log-000003", service: "billing", env: "staging", timestamp: at(2), level: "error", message: "Card declined", fields: { orderId: "o-2", code: "declined" } },
      { id: "log-000004", service: "billing", env: "production", timestamp: at(3), level: "debug", message: "cache miss", fields: {} },
      { id: "log-000005", service: "checkout", env: "production", timestamp: at(4), level: "info", message: "order shipped", fields: { orderId: "o-1" }, runId: "run-7" },
    ];
    const res = await call(`${logging.url}/api/logs`, { token: cast.alice.token, json: { items } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ accepted: 5, ids: items.map((i) => i.id) });
  });

  const ids = async (query: string, token = cast.alice.token) => {
    const res = await call(`${logging.url}/api/logs?${query}`, { token });
    expect(res.status).toBe(200);
    return (res.body.items as { id: string }[]).map((i) => i.id);
  };

  it("returns the lines newest first with every stored property", async () => {
    const res = await call(`${logging.url}/api/logs?limit=10`, { token: cast.alice.token });
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(["log-000005", "log-000004", "log-000003", "log-000002", "log-000001"]);
    expect(res.body.items[4]).toEqual({
      id: "log-000001", orgId: cast.alice.orgId, service: "checkout", env: "production", dataClass: "none", timestamp: at(0), level: "info",
      message: "order placed", fields: { orderId: "o-1", amount: 42 }, traceId, spanId: null, runId: "run-7",
    });
    expect(res.body.nextCursor).toBeNull();
  });

  it("filters by time range, level, minimum level, service, env, text, trace id, run id and fields", async () => {
    expect(await ids(`from=${encodeURIComponent(at(1))}&to=${encodeURIComponent(at(3))}`)).toEqual(["log-000004", "log-000003", "log-000002"]);
    expect(await ids("level=error,debug")).toEqual(["log-000004", "log-000003"]);
    expect(await ids("minLevel=warn")).toEqual(["log-000003", "log-000002"]);
    expect(await ids("service=billing")).toEqual(["log-000004", "log-000003"]);
    expect(await ids("env=staging")).toEqual(["log-000003"]);
    expect(await ids("q=ORDER")).toEqual(["log-000005", "log-000001"]);
    expect(await ids(`q=${encodeURIComponent("50% off_")}`)).toEqual(["log-000002"]);
    expect(await ids(`q=${encodeURIComponent("o_d")}`)).toEqual([]);
    expect(await ids(`traceId=${traceId}`)).toEqual(["log-000002", "log-000001"]);
    expect(await ids("runId=run-7")).toEqual(["log-000005", "log-000001"]);
    expect(await ids("field.orderId=o-1")).toEqual(["log-000005", "log-000002", "log-000001"]);
    expect(await ids("field.amount=42&field.orderId=o-1")).toEqual(["log-000001"]);
    expect(await ids("field.orderId=o-1&service=checkout&minLevel=warn")).toEqual(["log-000002"]);
  });

  it("pages with a keyset cursor without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await call(`${logging.url}/api/logs?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: cast.alice.token });
      seen.push(...res.body.items.map((i) => i.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(["log-000005", "log-000004", "log-000003", "log-000002", "log-000001"]);
  });

  it("stores a retried batch once", async () => {
    const again = await call(`${logging.url}/api/logs`, { token: cast.alice.token, json: { items: [{ id: "log-000001", service: "checkout", level: "info", message: "order placed" }] } });
    expect(again.status).toBe(201);
    expect(again.body.accepted).toBe(0);
    expect(await ids("limit=100")).toHaveLength(5);
  });
});

describe("POST /api/metrics → GET /api/metrics and /api/metrics/aggregate", () => {
  // Aligned to an hour (buckets are epoch-aligned) so the expected buckets are exact.
  const t0 = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
  const points = [
    // minute 0
    { offset: 0, value: 10, route: "/a", status: "200" },
    { offset: 20_000, value: 20, route: "/a", status: "200" },
    { offset: 40_000, value: 90, route: "/b", status: "500" },
    // minute 1
    { offset: 60_000, value: 30, route: "/a", status: "200" },
    { offset: 119_999, value: 50, route: "/b", status: "200" },
    // minute 2 (outside the queried range below)
    { offset: 120_000, value: 1000, route: "/a", status: "200" },
  ];
  beforeAll(async () => {
    const items = points.map((p, i) => ({ id: `metric-${String(i).padStart(4, "0")}`, service: "api", name: "http_latency_ms", value: p.value, unit: "ms", labels: { route: p.route, status: p.status }, timestamp: new Date(t0 + p.offset).toISOString() }));
    items.push({ id: "metric-other", service: "api", name: "queue_depth", value: 7, unit: "{item}", labels: { route: "/a", status: "200" }, timestamp: new Date(t0).toISOString() });
    const res = await call(`${logging.url}/api/metrics`, { token: cast.alice.token, json: { items } });
    expect(res.status).toBe(201);
    expect(res.body.accepted).toBe(7);
  });
  const range = () => `from=${encodeURIComponent(new Date(t0).toISOString())}&to=${encodeURIComponent(new Date(t0 + 120_000).toISOString())}`;

  it("lists raw points by name and label", async () => {
    const res = await call(`${logging.url}/api/metrics?name=http_latency_ms&label.route=/b`, { token: cast.alice.token });
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { value: number }) => p.value)).toEqual([50, 90]);
    expect(res.body.items[0]).toMatchObject({ name: "http_latency_ms", unit: "ms", labels: { route: "/b", status: "200" }, service: "api" });
  });

  it("computes avg, sum, min, max and count per minute bucket", async () => {
    const expected = { avg: [40, 40], sum: [120, 80], min: [10, 30], max: [90, 50], count: [3, 2] } as const;
    for (const [fn, values] of Object.entries(expected)) {
      const res = await call(`${logging.url}/api/metrics/aggregate?name=http_latency_ms&fn=${fn}&bucket=1m&${range()}`, { token: cast.alice.token });
      expect(res.status, fn).toBe(200);
      expect(res.body.series, fn).toHaveLength(1);
      expect(res.body.series[0].points, fn).toEqual([
        { t: new Date(t0).toISOString(), value: values[0], count: 3 },
        { t: new Date(t0 + 60_000).toISOString(), value: values[1], count: 2 },
      ]);
    }
  });

  it("groups by labels, one series per combination", async () => {
    const res = await call(`${logging.url}/api/metrics/aggregate?name=http_latency_ms&fn=sum&bucket=2m&groupBy=route,status&${range()}`, { token: cast.alice.token });
    expect(res.status).toBe(200);
    const byKey = Object.fromEntries(res.body.series.map((s: { labels: Record<string, string>; points: { value: number; count: number }[] }) => [`${s.labels.route} ${s.labels.status}`, s.points.map((p) => [p.value, p.count])]));
    expect(byKey).toEqual({ "/a 200": [[60, 3]], "/b 500": [[90, 1]], "/b 200": [[50, 1]] });
    const filtered = await call(`${logging.url}/api/metrics/aggregate?name=http_latency_ms&fn=max&bucket=1h&groupBy=route&label.status=200&${range()}`, { token: cast.alice.token });
    expect(filtered.body.series.map((s: { labels: { route: string }; points: { value: number }[] }) => [s.labels.route, s.points[0]!.value]).sort()).toEqual([["/a", 30], ["/b", 50]]);
  });

  it("refuses a range of more than 10 000 buckets", async () => {
    const res = await call(`${logging.url}/api/metrics/aggregate?name=http_latency_ms&bucket=1ms&${range()}`, { token: cast.alice.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });
});

describe("POST /api/spans → GET /api/traces/:traceId and /api/spans", () => {
  const traceId = hex(16);
  const root = hex(8);
  const child = hex(8);
  const llm = hex(8);
  const t = Date.now() - 10_000;
  const iso = (ms: number) => new Date(t + ms).toISOString();

  beforeAll(async () => {
    const items = [
      { service: "messaging", traceId, spanId: root, name: "POST /api/conversations/:id/messages", kind: "server", startTime: iso(0), endTime: iso(900), durationMs: 900.25, status: "ok", attributes: { "http.route": "/api/conversations/:id/messages" } },
      { service: "assistants", traceId, spanId: child, parentSpanId: root, name: "run assistant", kind: "internal", startTime: iso(100), endTime: iso(800), runId: "run-42", attributes: {} },
      {
        service: "integrations", traceId, spanId: llm, parentSpanId: child, name: "chat gpt-test", kind: "client", startTime: iso(200), endTime: iso(700), status: "error", statusMessage: "rate limited",
        attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-test", "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 30 },
      },
    ];
    const res = await call(`${logging.url}/api/spans`, { token: cast.alice.token, json: { items } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ accepted: 3, ids: [root, child, llm] });
  });

  it("reads a trace back as a span tree with durations and the services it crossed", async () => {
    const res = await call(`${logging.url}/api/traces/${traceId}`, { token: cast.alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ traceId, spanCount: 3, errorCount: 1, services: ["messaging", "assistants", "integrations"], startTime: iso(0), durationMs: 900.25 });
    expect(res.body.roots).toHaveLength(1);
    const [r] = res.body.roots;
    expect(r).toMatchObject({ spanId: root, durationMs: 900.25, kind: "server", status: "ok" });
    expect(r.children[0]).toMatchObject({ spanId: child, parentSpanId: root, service: "assistants", durationMs: 700, runId: "run-42" });
    expect(r.children[0].children[0]).toMatchObject({
      spanId: llm, status: "error", statusMessage: "rate limited", durationMs: 500,
      attributes: { "gen_ai.request.model": "gpt-test", "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 30 },
      children: [],
    });
  });

  it("lists spans by run, service and status", async () => {
    const byRun = await call(`${logging.url}/api/spans?runId=run-42`, { token: cast.alice.token });
    expect(byRun.body.items.map((s: { spanId: string }) => s.spanId)).toEqual([child]);
    const failed = await call(`${logging.url}/api/spans?traceId=${traceId}&status=error`, { token: cast.alice.token });
    expect(failed.body.items.map((s: { spanId: string }) => s.spanId)).toEqual([llm]);
    const slow = await call(`${logging.url}/api/spans?traceId=${traceId}&minDurationMs=600`, { token: cast.alice.token });
    expect(slow.body.items.map((s: { spanId: string }) => s.spanId)).toEqual([child, root]);
  });

  it("answers 404 for a trace it has no span of", async () => {
    const res = await call(`${logging.url}/api/traces/${hex(16)}`, { token: cast.alice.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("POST /api/objects → GET /api/objects", () => {
  const digest = `sha256:${hex(32)}`;
  beforeAll(async () => {
    const items = [
      { id: "object-0001", service: "catalog", name: "model.gguf", sizeBytes: 524_288, digest, location: "s3://bucket/model.gguf", owner: "ent_alice", contentType: "application/octet-stream", timestamp: ago(3000) },
      { id: "object-0002", service: "catalog", name: "copy.gguf", sizeBytes: 524_288, digest, location: "s3://bucket/copy.gguf", owner: "ent_bob", timestamp: ago(2000) },
      { id: "object-0003", service: "runtime", name: "out.json", sizeBytes: 12, digest: `sha256:${hex(32)}`, location: "file:///tmp/out.json", owner: "ent_alice", metadata: { executionId: "x1" }, timestamp: ago(1000) },
    ];
    const res = await call(`${logging.url}/api/objects`, { token: cast.alice.token, json: { items } });
    expect(res.status).toBe(201);
    expect(res.body.accepted).toBe(3);
  });

  it("finds objects by owner and by digest", async () => {
    const byOwner = await call(`${logging.url}/api/objects?owner=ent_alice`, { token: cast.alice.token });
    expect(byOwner.body.items.map((o: { id: string }) => o.id)).toEqual(["object-0003", "object-0001"]);
    expect(byOwner.body.items[0]).toMatchObject({ name: "out.json", sizeBytes: 12, metadata: { executionId: "x1" }, contentType: null });
    const byDigest = await call(`${logging.url}/api/objects?digest=${digest}`, { token: cast.alice.token });
    expect(byDigest.body.items.map((o: { id: string }) => o.id)).toEqual(["object-0002", "object-0001"]);
    const one = await call(`${logging.url}/api/objects/object-0001`, { token: cast.alice.token });
    expect(one.body).toMatchObject({ id: "object-0001", digest, location: "s3://bucket/model.gguf", owner: "ent_alice", sizeBytes: 524_288 });
  });
});

describe("POST /api/ingest", () => {
  it("stores a mixed batch in one request", async () => {
    const traceId = hex(16);
    const res = await call(`${logging.url}/api/ingest`, {
      token: cast.alice.token,
      json: {
        logs: [{ service: "mixed", level: "info", message: "mixed batch line", traceId }],
        metrics: [{ service: "mixed", name: "mixed_total", value: 1 }],
        spans: [{ service: "mixed", traceId, spanId: hex(8), name: "mixed", startTime: ago(10), endTime: ago(5) }],
        objects: [{ service: "mixed", name: "f", sizeBytes: 1, digest: `sha256:${hex(32)}`, location: "x", owner: "o" }],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ accepted: { logs: 1, metrics: 1, spans: 1, objects: 1 } });
    expect((await call(`${logging.url}/api/logs?traceId=${traceId}`, { token: cast.alice.token })).body.items).toHaveLength(1);
    expect((await call(`${logging.url}/api/traces/${traceId}`, { token: cast.alice.token })).body.spanCount).toBe(1);
  });
});
