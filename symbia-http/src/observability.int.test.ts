import { validate as validateOpenApi } from "@readme/openapi-parser";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoServer, logCapture } from "../test/fixture.js";
import { call, start } from "../test/helpers.js";
import { toOpenApiPath } from "./openapi.js";

const { lines, logger } = logCapture();
const server = buildDemoServer({ logger });
let base: string;
beforeAll(async () => {
  base = await start(server);
});
afterAll(() => server.shutdown("test end"));

describe("trace context", () => {
  it("returns the traceparent's trace id in x-trace-id and writes it in the request's log line", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await call(`${base}/api/widgets/w1`, { token: "alice", headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-trace-id")).toBe(traceId);
    await new Promise((r) => setTimeout(r, 20));
    const line = lines.find((l) => l.msg === "request" && l.traceId === traceId);
    expect(line).toMatchObject({ service: "catalog", path: "/api/widgets/w1", status: 200, principalId: "u-alice", orgId: "org-a" });
  });

  it("accepts x-trace-id, and makes a W3C trace id when none is sent", async () => {
    const given = await call(`${base}/health`, { headers: { "x-trace-id": "my-trace-0001" } });
    expect(given.headers.get("x-trace-id")).toBe("my-trace-0001");
    const made = await call(`${base}/health`, { headers: { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" } });
    expect(made.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
    expect(made.headers.get("x-trace-id")).not.toBe("00000000000000000000000000000000");
  });

  it("redacts secrets at any depth in log lines", () => {
    logger.info({ user: { profile: { password: "p@ss", apiKey: "sk_123" } }, headers: { authorization: "Bearer x" }, usage: { totalTokens: 12 } }, "redaction check");
    const line = lines.find((l) => l.msg === "redaction check")!;
    expect(JSON.stringify(line)).not.toMatch(/p@ss|sk_123|Bearer x/);
    expect(line.usage).toEqual({ totalTokens: 12 });
  });
});

describe("GET /docs/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const res = await call(`${base}/docs/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const result = await validateOpenApi(structuredClone(res.body));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it("lists exactly the routes the Express app serves", async () => {
    const res = await call(`${base}/docs/openapi.json`);
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    // Walk Express's own router stack: every mounted router and each of its routes.
    const served: string[] = [];
    const stack = (server.app as unknown as { router: { stack: Layer[] } }).router.stack;
    type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; matchers?: unknown[] };
    const mountPaths = ["/", "/api/widgets", "/api/errors", "/api/slow", "/api/echo"];
    const routers = stack.filter((l) => l.handle?.stack && !l.route);
    expect(routers).toHaveLength(mountPaths.length);
    routers.forEach((layer, i) => {
      for (const inner of layer.handle!.stack!) {
        if (!inner.route) continue;
        for (const method of Object.keys(inner.route.methods)) {
          const full = `${mountPaths[i]}/${inner.route.path}`.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
          served.push(`${method.toUpperCase()} ${toOpenApiPath(full)}`);
        }
      }
    });
    expect(served.sort()).toEqual(documented);
    expect(documented).toContain("POST /api/widgets");
    expect(documented).toContain("GET /health/ready");
  });

  it("documents request schemas, entitlements and security from the route specs", async () => {
    const { body } = await call(`${base}/docs/openapi.json`);
    const create = body.paths["/api/widgets"].post;
    expect(create.requestBody.content["application/json"].schema.required).toEqual(["name", "size", "owner"]);
    expect(create["x-entitlement"]).toBe("cap:demo.write");
    expect(create.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403"]));
    expect(body.paths["/health"].get.security).toEqual([]);
    expect(body.paths["/api/widgets/{id}"].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(["path:id", "query:verbose"]);
  });
});

describe("llms.txt and the bootstrap descriptor", () => {
  it("serves llms.txt and llms-full.txt generated from the document", async () => {
    const index = await call(`${base}/docs/llms.txt`);
    expect(index.headers.get("content-type")).toMatch(/text\/plain/);
    expect(index.body).toContain("- [POST /api/widgets](/docs/llms-full.txt#post-api-widgets): Create a widget");
    const full = await call(`${base}/docs/llms-full.txt`);
    expect(full.body).toContain('<a id="post-api-widgets"></a>');
  });

  it("describes the service, its endpoints and its socket events", async () => {
    const res = await call(`${base}/api/bootstrap/service`);
    expect(res.body).toMatchObject({ service: "catalog", version: "9.9.9", docs: { openapi: "/docs/openapi.json" } });
    expect(res.body.endpoints).toContainEqual({ method: "POST", path: "/api/widgets", summary: "Create a widget", auth: "required", entitlement: "cap:demo.write" });
    expect(res.body.socketEvents.map((e: { event: string }) => e.event)).toEqual(["widget:create", "widget:ping"]);
    expect(res.body.socketEvents[0].payload.required).toEqual(["name", "size", "owner"]);
  });
});

describe("GET /metrics", () => {
  it("parses as Prometheus text and times requests by route template", async () => {
    await call(`${base}/api/widgets/w42`, { token: "alice" });
    const res = await call(`${base}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    const families = parsePrometheusTextFormat(res.body as string) as { name: string; type: string; metrics: { labels?: Record<string, string>; buckets?: unknown }[] }[];
    const names = families.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["process_cpu_user_seconds_total", "nodejs_heap_size_used_bytes", "http_request_duration_seconds", "http_requests_in_flight"]));
    expect(families.find((f) => f.name === "http_request_duration_seconds")!.type).toBe("HISTOGRAM");
    // The parser drops histogram labels, so read the route label from the sample lines.
    const routes = [...(res.body as string).matchAll(/^http_request_duration_seconds_count\{[^}]*route="([^"]+)"/gm)].map((m) => m[1]);
    expect(routes).toContain("/api/widgets/:id");
    expect(routes).not.toContain("/api/widgets/w42");
  });
});

describe("health", () => {
  it("reports status, version and uptime", async () => {
    const res = await call(`${base}/health`);
    expect(res.body).toMatchObject({ status: "ok", service: "catalog", version: "9.9.9" });
    expect(typeof res.body.uptimeSeconds).toBe("number");
    expect((await call(`${base}/health/live`)).body).toEqual({ status: "ok" });
  });

  it("answers 503 before listening and names a failing readiness check", async () => {
    let healthy = true;
    const other = buildDemoServer({ readiness: { upstream: async () => healthy } });
    const beforeListen = await (async () => {
      const res = await import("supertest").then((m) => m.default(other.app).get("/health/ready"));
      return res;
    })();
    expect(beforeListen.status).toBe(503);
    expect(beforeListen.body.reason).toBe("not listening yet");
    const url = await start(other);
    expect((await call(`${url}/health/ready`)).status).toBe(200);
    healthy = false;
    const failing = await call(`${url}/health/ready`);
    expect(failing.status).toBe(503);
    expect(failing.body).toMatchObject({ status: "not_ready", reason: "failing: upstream", checks: { upstream: { ok: false } } });
    await other.shutdown();
  });
});
