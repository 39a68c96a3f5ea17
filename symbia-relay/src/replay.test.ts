import { describe, expect, it } from "vitest";
import { decodeNodeKey, deriveNodeKey, encodeNodeKey } from "./keys.js";
import { ReplayCache, replayKey } from "./replay.js";

describe("ReplayCache", () => {
  it("answers fresh once, then replayed", () => {
    const cache = new ReplayCache();
    expect(cache.checkAndRecord("a", 2_000, 1_000)).toBe("fresh");
    expect(cache.checkAndRecord("a", 2_000, 1_500)).toBe("replayed");
    expect(cache.stats()).toEqual({ size: 1, evictions: 0, floorMs: 0 });
  });

  it("forgets ids once their window has passed", () => {
    const cache = new ReplayCache();
    cache.checkAndRecord("a", 2_000, 1_000);
    cache.checkAndRecord("b", 3_000, 1_000);
    expect(cache.checkAndRecord("c", 4_000, 2_500)).toBe("fresh");
    expect(cache.has("a")).toBe(false);
    expect(cache.has("b")).toBe(true);
    expect(cache.stats().size).toBe(2);
  });

  it("stays within maxEntries and never accepts a replay of an evicted id", () => {
    const cache = new ReplayCache({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) expect(cache.checkAndRecord(`e${i}`, 10_000 + i, 1_000)).toBe("fresh");
    expect(cache.stats()).toEqual({ size: 3, evictions: 7, floorMs: 10_006 });
    // e0 was evicted: its replay is refused as unverifiable, not accepted.
    expect(cache.checkAndRecord("e0", 10_000, 1_001)).toBe("unverifiable");
    expect(cache.checkAndRecord("e9", 10_009, 1_001)).toBe("replayed");
    // A newer event is still accepted.
    expect(cache.checkAndRecord("e10", 10_010, 1_001)).toBe("fresh");
    expect(cache.stats().size).toBe(3);
  });

  it("refuses a non-positive capacity", () => {
    expect(() => new ReplayCache({ maxEntries: 0 })).toThrow(/positive integer/);
  });

  it("keys by source and id", () => {
    expect(replayKey("n1", "e1")).not.toBe(replayKey("n2", "e1"));
    expect(replayKey("n1", "e1")).not.toBe(replayKey("n1e", "1"));
  });
});

describe("node key encoding", () => {
  it("round-trips a key as unpadded base64url and refuses other lengths", () => {
    const key = deriveNodeKey("s".repeat(32), "n1");
    const encoded = encodeNodeKey(key);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeNodeKey(encoded).equals(key)).toBe(true);
    expect(() => decodeNodeKey("abc")).toThrow(/32 bytes/);
    expect(() => decodeNodeKey("+".repeat(43))).toThrow(/32 bytes/);
  });
});
