import { runWithContext } from "@symbia/http";
import { describe, expect, it } from "vitest";
import type { LoggingClient } from "./client.js";
import { SpanInput } from "./schemas.js";
import { startRelaySpan } from "./spans.js";

/** Records the spans that would be queued, validated as the real client does. */
function recorder() {
  const spans: SpanInput[] = [];
  const client: LoggingClient = {
    service: "svc",
    env: "test",
    log: () => true,
    metric: () => true,
    span: (s) => (spans.push(SpanInput.parse({ service: "svc", ...s })), true),
    flush: async () => {},
    shutdown: async () => {},
    stats: () => ({ queued: 0, inFlight: 0, sent: 0, dropped: { invalid: 0, queueFull: 0, failed: 0, rejected: 0 }, droppedTotal: 0, retries: 0 }),
  };
  return { client, spans };
}

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const event = { id: "evt_1", type: "message.new", source: "service:messaging", target: "service:assistants", traceId, orgId: "0b7c1a52-5d3e-4a8f-9d7b-2f1e3c4d5a6b" };

describe("startRelaySpan", () => {
  it("is a child of the current request's span when it is in the event's trace", () => {
    const { client, spans } = recorder();
    runWithContext({ requestId: "r1", traceId, spanId: "00f067aa0ba902b7" }, () => startRelaySpan(client, event, "send").end());
    expect(spans[0]).toMatchObject({ traceId, parentSpanId: "00f067aa0ba902b7", name: "send message.new", kind: "producer", orgId: event.orgId, attributes: { "symbia.relay.source": "service:messaging", "symbia.relay.target": "service:assistants" } });
  });

  it("is a root of the event's trace with parentSpanId null, whatever the context", () => {
    const { client, spans } = recorder();
    runWithContext({ requestId: "r1", traceId, spanId: "00f067aa0ba902b7" }, () => startRelaySpan(client, event, "receive", { parentSpanId: null }).end());
    expect(spans[0]).toMatchObject({ traceId, name: "receive message.new", kind: "consumer" });
    expect(spans[0]!.parentSpanId).toBeUndefined();
  });

  it("takes an explicit parent, and a context in another trace is not one", () => {
    const { client, spans } = recorder();
    runWithContext({ requestId: "r1", traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" }, () => {
      startRelaySpan(client, event, "receive").end();
      startRelaySpan(client, event, "send", { parentSpanId: "1111111111111111" }).end();
    });
    expect(spans[0]!.traceId).toBe(traceId);
    expect(spans[0]!.parentSpanId).toBeUndefined();
    expect(spans[1]).toMatchObject({ traceId, parentSpanId: "1111111111111111" });
  });
});
