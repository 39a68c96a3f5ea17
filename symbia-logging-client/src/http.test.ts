import { describe, expect, it } from "vitest";
import type { LoggingClient } from "./client.js";
import { requestTelemetry, telemetryDestination } from "./http.js";
import { LogInput, SpanInput } from "./schemas.js";

/** Records what would be queued (the mapping under test), validated as the real client does. */
function recorder() {
  const logs: unknown[] = [];
  const spans: unknown[] = [];
  const client: LoggingClient = {
    service: "svc",
    env: "test",
    log: (e) => (logs.push(LogInput.parse({ service: "svc", ...e })), true),
    metric: () => true,
    span: (s) => (spans.push(SpanInput.parse({ service: "svc", ...s })), true),
    flush: async () => {},
    shutdown: async () => {},
    stats: () => ({ queued: 0, inFlight: 0, sent: 0, dropped: { invalid: 0, queueFull: 0, failed: 0, rejected: 0 }, droppedTotal: 0, retries: 0 }),
  };
  return { client, logs, spans };
}

describe("requestTelemetry", () => {
  const info = { method: "POST", path: "/api/orgs/9/members", route: "/api/orgs/:orgId/members", requestId: "r1", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", parentSpanId: "1111111111111111", startTimeMs: Date.parse("2030-01-01T00:00:00.000Z"), status: 503, durationMs: 12.5, principalId: "u1", orgId: "0b7c1a52-5d3e-4a8f-9d7b-2f1e3c4d5a6b", aborted: false };

  it("maps a request to a server span with OpenTelemetry HTTP attributes, in the request's org", () => {
    const { client, spans } = recorder();
    requestTelemetry(client).onRequestEnd!(info);
    expect(spans).toEqual([
      expect.objectContaining({
        traceId: info.traceId, spanId: info.spanId, parentSpanId: info.parentSpanId, name: "POST /api/orgs/:orgId/members", kind: "server",
        startTime: "2030-01-01T00:00:00.000Z", endTime: "2030-01-01T00:00:00.013Z", durationMs: 12.5, status: "error", statusMessage: "HTTP 503", orgId: info.orgId,
        attributes: { "http.request.method": "POST", "http.route": "/api/orgs/:orgId/members", "http.response.status_code": 503, "url.path": "/api/orgs/9/members", "symbia.request_id": "r1", "enduser.id": "u1" },
      }),
    ]);
  });

  it("skips health probes and metric scrapes", () => {
    const { client, spans } = recorder();
    const hooks = requestTelemetry(client);
    hooks.onRequestEnd!({ ...info, path: "/health/ready" });
    hooks.onRequestEnd!({ ...info, path: "/metrics" });
    expect(spans).toEqual([]);
  });
});

describe("telemetryDestination", () => {
  it("forwards every line and ships those at or above the level with ids and fields", () => {
    const { client, logs } = recorder();
    const forwarded: string[] = [];
    const dest = telemetryDestination(client, { minLevel: "warn", forward: { write: (l) => forwarded.push(l) } });
    dest.write(`${JSON.stringify({ level: "info", time: "2030-01-01T00:00:00.000Z", service: "svc", msg: "request", status: 200 })}\n`);
    dest.write(`${JSON.stringify({ level: "error", time: "2030-01-01T00:00:01.000Z", service: "svc", msg: "internal error", errorId: "e1", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", requestId: "r", orgId: "0b7c1a52-5d3e-4a8f-9d7b-2f1e3c4d5a6b" })}\n`);
    dest.write(`${JSON.stringify({ level: 40, msg: "numeric level" })}\n`);
    dest.write("not json\n");
    expect(forwarded).toHaveLength(4);
    expect(logs).toEqual([
      expect.objectContaining({ level: "error", message: "internal error", timestamp: "2030-01-01T00:00:01.000Z", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", orgId: "0b7c1a52-5d3e-4a8f-9d7b-2f1e3c4d5a6b", fields: { errorId: "e1", orgId: "0b7c1a52-5d3e-4a8f-9d7b-2f1e3c4d5a6b" } }),
      expect.objectContaining({ level: "warn", message: "numeric level" }),
    ]);
  });
});
