import type { SpanRecord } from "@symbia/logging-client";
import { describe, expect, it } from "vitest";
import { buildTrace } from "./traces.store.js";

const span = (spanId: string, parentSpanId: string | null, service: string, startMs: number, durationMs: number, status: SpanRecord["status"] = "unset"): SpanRecord => ({
  orgId: "o", service, env: "production", dataClass: "none", traceId: "t", spanId, parentSpanId, name: spanId, kind: "internal",
  startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + durationMs).toISOString(), durationMs, status, statusMessage: null, attributes: {}, events: [], runId: null,
});

describe("buildTrace", () => {
  it("nests children under parents by start time and keeps spans with an unreported parent as roots", () => {
    const view = buildTrace("t", [span("c2", "r", "b", 1_300, 100), span("r", null, "a", 1_000, 1_000), span("c1", "r", "c", 1_100, 50, "error"), span("orphan", "missing", "d", 1_050, 10)]);
    expect(view.roots.map((r) => r.spanId)).toEqual(["r", "orphan"]);
    expect(view.roots[0]!.children.map((c) => c.spanId)).toEqual(["c1", "c2"]);
    expect(view).toMatchObject({ spanCount: 4, errorCount: 1, durationMs: 1_000, services: ["a", "d", "c", "b"], startTime: new Date(1_000).toISOString(), endTime: new Date(2_000).toISOString() });
  });
});
