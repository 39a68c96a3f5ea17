import { describe, expect, it } from "vitest";
import { logsFromOtlp, spansFromOtlp } from "./otlp.js";

describe("spansFromOtlp", () => {
  it("accepts base64 ids from older exporters and string enums, and keeps nanosecond durations", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const [span] = spansFromOtlp({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.from(traceId, "hex").toString("base64"), spanId: Buffer.from("00f067aa0ba902b7", "hex").toString("base64"), name: "x", kind: "SPAN_KIND_CONSUMER", startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000001500000", status: { code: "STATUS_CODE_OK" } }] }] }],
    });
    expect(span).toMatchObject({ traceId, spanId: "00f067aa0ba902b7", kind: "consumer", status: "ok", durationMs: 1.5, service: "unknown_service", env: "production", startTime: "2023-11-14T22:13:20.000Z" });
  });
});

describe("logsFromOtlp", () => {
  it("maps severity numbers and text to levels", () => {
    const record = (severityNumber?: number, severityText?: string) => ({ body: { stringValue: "m" }, ...(severityNumber ? { severityNumber } : {}), ...(severityText ? { severityText } : {}) });
    const logs = logsFromOtlp({ resourceLogs: [{ scopeLogs: [{ logRecords: [record(1), record(6), record(10), record(14), record(18), record(22), record(undefined, "Warning"), record()] }] }] });
    expect(logs.map((l) => l.level)).toEqual(["trace", "debug", "info", "warn", "error", "fatal", "warn", "info"]);
  });
});
