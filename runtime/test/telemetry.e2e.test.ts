// Runtime's telemetry reaches the logging service: request spans, a span per finished execution,
// a log line per state change (run id = execution id), and node metrics — in the execution's org only.
import { type IdentityProcess, type ServiceProcess, type TestUser, spawnIdentity, spawnService } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let identity: IdentityProcess;
let logging: ServiceProcess;
let runtime: ServiceProcess;
let alice: TestUser;
let mallory: TestUser;

const call = async (base: string, user: TestUser, method: string, path: string, json?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, "x-org-id": user.orgId, ...(json ? { "content-type": "application/json" } : {}) },
    ...(json ? { body: JSON.stringify(json) } : {}),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
};

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser(); // super admin, not used
  alice = await identity.registerUser({ orgName: "Telemetry Org" });
  mallory = await identity.registerUser({ orgName: "Other Org" });
  logging = await spawnService(identity, "logging");
  runtime = await spawnService(identity, "runtime", { TELEMETRY_ENABLED: "true", LOGGING_SERVICE_URL: logging.url, TELEMETRY_FLUSH_MS: "100", TELEMETRY_LOG_LEVEL: "info" });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await logging?.stop();
  await identity?.stop();
});

describe("runtime telemetry in logging", () => {
  it("ships the execution's span, state changes and node metrics, in its org only", async () => {
    const graph = {
      nodes: [
        { id: "in", component: "passthrough", config: { schema: { type: "integer" } } },
        { id: "double", component: "map", config: { expression: "value * 2", inputSchema: { type: "integer" }, outputSchema: { type: "integer" } } },
      ],
      edges: [{ from: "in.out", to: "double.in" }],
    };
    const created = await call(runtime.url, alice, "POST", "/api/executions", { graph, options: { metricsIntervalMs: 100 }, start: true });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    for (const value of [1, 2, 3]) expect((await call(runtime.url, alice, "POST", `/api/executions/${id}/inject`, { node: "in", value })).status).toBeLessThan(300);
    // Latency samples are taken on the metrics tick while the execution runs: wait for them first.
    const metrics = await eventually(async () => {
      const res = await call(logging.url, alice, "GET", `/api/metrics?name=runtime_node_latency_ms&label.executionId=${id}`);
      return res.body.items?.length ? res.body.items : undefined;
    }, "node latency metrics");
    expect(metrics.map((m: { labels: { node: string } }) => m.labels.node)).toEqual(expect.arrayContaining(["double"]));
    expect((await call(runtime.url, alice, "POST", `/api/executions/${id}/end`)).status).toBeLessThan(300);

    const span = await eventually(async () => {
      const res = await call(logging.url, alice, "GET", `/api/spans?runId=${id}&service=runtime`);
      return res.body.items?.find((s: { name: string }) => s.name === "runtime.execution");
    }, "the execution's span");
    expect(span).toMatchObject({ service: "runtime", orgId: alice.orgId, status: "ok" });
    expect(span.attributes["runtime.execution.status"]).toBe("ok");

    const logs = await eventually(async () => {
      const res = await call(logging.url, alice, "GET", `/api/logs?runId=${id}&service=runtime`);
      const items = (res.body.items ?? []) as { message: string; traceId: string }[];
      return items.some((l) => /→ completed/.test(l.message)) ? items : undefined;
    }, "the execution's state changes");
    expect(logs.every((l) => l.traceId === span.traceId)).toBe(true);

    const requests = await eventually(async () => {
      const res = await call(logging.url, alice, "GET", `/api/spans?service=runtime&kind=server`);
      return res.body.items?.length ? res.body.items : undefined;
    }, "runtime's request spans");
    expect(requests.length).toBeGreaterThan(0);

    // Another org sees none of it.
    const other = await call(logging.url, mallory, "GET", `/api/spans?runId=${id}`);
    expect(other.status).toBe(200);
    expect(other.body.items).toEqual([]);
    const otherLogs = await call(logging.url, mallory, "GET", `/api/logs?runId=${id}`);
    expect(otherLogs.body.items).toEqual([]);
    const otherMetrics = await call(logging.url, mallory, "GET", `/api/metrics?name=runtime_node_latency_ms&label.executionId=${id}`);
    expect(otherMetrics.body.items).toEqual([]);
  }, 60_000);
});
