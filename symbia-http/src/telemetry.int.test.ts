import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoServer } from "../test/fixture.js";
import { call, start } from "../test/helpers.js";
import type { RequestEndInfo, RequestStartInfo } from "./hooks.js";

const starts: RequestStartInfo[] = [];
const ends: RequestEndInfo[] = [];
let throwing = false;
const server = buildDemoServer({
  telemetry: {
    onRequestStart: (info) => {
      starts.push(info);
      if (throwing) throw new Error("telemetry hook failure");
    },
    onRequestEnd: (info) => {
      ends.push(info);
      if (throwing) throw new Error("telemetry hook failure");
    },
  },
});
let base: string;
beforeAll(async () => {
  base = await start(server);
});
afterAll(() => server.shutdown("test end"));

async function endOf(traceId: string): Promise<RequestEndInfo> {
  for (let i = 0; i < 50; i++) {
    const found = ends.find((e) => e.traceId === traceId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no request end seen for ${traceId}`);
}

describe("createServer telemetry hooks", () => {
  it("report the route template, status, duration, principal, org and W3C ids of a request", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await call(`${base}/api/widgets/w7?verbose=true`, { token: "alice", headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-org-id": "org-a" } });
    expect(res.status).toBe(200);
    const end = await endOf(traceId);
    expect(end).toMatchObject({ method: "GET", path: "/api/widgets/w7", route: "/api/widgets/:id", status: 200, traceId, parentSpanId: "00f067aa0ba902b7", principalId: "u-alice", orgId: "org-a", aborted: false });
    expect(end.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(end.durationMs).toBeGreaterThan(0);
    expect(end.startTimeMs).toBeGreaterThan(Date.now() - 10_000);
    expect(starts.find((s) => s.traceId === traceId)?.spanId).toBe(end.spanId);
  });

  it("report failures with their status and no route for unmatched paths", async () => {
    const failed = await call(`${base}/api/errors/conflict`, { headers: { "x-trace-id": "trace-conflict-1" } });
    expect(failed.status).toBe(409);
    expect(await endOf("trace-conflict-1")).toMatchObject({ route: "/api/errors/:code", status: 409 });
    const missing = await call(`${base}/api/nowhere`, { headers: { "x-trace-id": "trace-missing-1" } });
    expect(missing.status).toBe(404);
    const end = await endOf("trace-missing-1");
    expect(end.status).toBe(404);
    expect(end.route).toBeUndefined();
  });

  it("never let a throwing hook reach the request", async () => {
    throwing = true;
    try {
      const res = await call(`${base}/api/widgets/w1`, { token: "alice", headers: { "x-trace-id": "trace-throwing-1" } });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe("w1");
      expect((await endOf("trace-throwing-1")).status).toBe(200);
    } finally {
      throwing = false;
    }
  });
});
