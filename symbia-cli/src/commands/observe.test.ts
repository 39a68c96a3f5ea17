import { describe, expect, it } from "vitest";
import { parseDuration, renderTree } from "./observe.js";

describe("renderTree", () => {
  it("draws a span tree with services and durations", () => {
    const tree = renderTree([
      {
        name: "POST /api/messages", service: "messaging", durationMs: 12.34, spanId: "a",
        children: [
          { name: "relay message.new", service: "network", durationMs: 2, spanId: "b", children: [] },
          { name: "llm.call", service: "integrations", durationMs: 8, spanId: "c", status: "error", children: [{ name: "chat", service: "models", durationMs: 7.5, spanId: "d", children: [] }] },
        ],
      },
    ]);
    expect(tree.split("\n")).toEqual([
      "POST /api/messages  [messaging] 12.3 ms",
      "├─ relay message.new  [network] 2.0 ms",
      "└─ llm.call  [integrations] 8.0 ms  ✗",
      "   └─ chat  [models] 7.5 ms",
    ]);
  });
});

describe("parseDuration", () => {
  it("reads 30s, 15m, 2h, 1d and refuses anything else", () => {
    expect([parseDuration("30s"), parseDuration("15m"), parseDuration("2h"), parseDuration("1d")]).toEqual([30_000, 900_000, 7_200_000, 86_400_000]);
    expect(() => parseDuration("soon")).toThrow(/not a duration/);
  });
});
