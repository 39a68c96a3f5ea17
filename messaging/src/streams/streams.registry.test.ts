import { describe, expect, it } from "vitest";
import { StreamRegistry, type ActiveStream } from "./streams.registry.js";

function stream(registry: StreamRegistry, id = "00000000-0000-4000-8000-000000000001"): ActiveStream {
  return registry.add({
    messageId: id,
    conversationId: "c",
    orgId: "o",
    conversationType: "group",
    sender: { principalId: "assistant:a", principalType: "agent", entityId: "ent_a" },
    replyTo: null,
    metadata: {},
    priority: "normal",
    contentType: "text",
    startedAt: new Date(0),
  });
}

describe("StreamRegistry", () => {
  it("delivers chunks in index order, waits for missing ones, ignores repeats", () => {
    const r = new StreamRegistry({ maxHeldChunks: 10 });
    const s = stream(r);
    expect(r.acceptChunk(s, 1, "b")).toEqual({ outcome: "queued", deliver: [] });
    expect(r.acceptChunk(s, 1, "b")).toEqual({ outcome: "duplicate", deliver: [] });
    expect(r.acceptChunk(s, 0, "a")).toEqual({ outcome: "delivered", deliver: [{ index: 0, delta: "a" }, { index: 1, delta: "b" }] });
    expect(r.acceptChunk(s, 0, "a").outcome).toBe("duplicate");
    expect(r.view(s)).toMatchObject({ delivered: 2, content: "ab", state: "streaming" });
  });

  it("holds chunks while paused and hands them back in order on resume", () => {
    const r = new StreamRegistry({ maxHeldChunks: 10 });
    const s = stream(r);
    r.acceptChunk(s, 0, "a");
    expect(r.pause(s)).toBe(true);
    expect(r.pause(s)).toBe(false);
    expect(r.acceptChunk(s, 2, "c").outcome).toBe("queued");
    expect(r.acceptChunk(s, 1, "b")).toEqual({ outcome: "held", deliver: [] });
    expect(r.view(s)).toMatchObject({ state: "paused", delivered: 1, held: 2, content: "a" });
    expect(r.resume(s)).toEqual([{ index: 1, delta: "b" }, { index: 2, delta: "c" }]);
    expect(r.resume(s)).toBeNull();
    expect(r.view(s)).toMatchObject({ state: "streaming", delivered: 3, held: 0, content: "abc" });
  });

  it("refuses chunks past the held limit without losing their place, and chunks after the end", () => {
    const r = new StreamRegistry({ maxHeldChunks: 2 });
    const s = stream(r);
    r.pause(s);
    r.acceptChunk(s, 0, "a");
    r.acceptChunk(s, 1, "b");
    expect(() => r.acceptChunk(s, 2, "c")).toThrow(expect.objectContaining({ code: "rate_limited" }));
    r.resume(s);
    expect(r.acceptChunk(s, 2, "c").outcome).toBe("delivered");
    s.ending = {};
    expect(() => r.acceptChunk(s, 3, "d")).toThrow(expect.objectContaining({ code: "conflict" }));
  });

  it("knows when an end that announced its chunk count can be stored", () => {
    const r = new StreamRegistry({ maxHeldChunks: 10 });
    const s = stream(r);
    r.acceptChunk(s, 0, "a");
    s.ending = { expected: 3 };
    expect(r.complete(s)).toBe(false);
    expect(r.acceptChunk(s, 2, "c").outcome).toBe("queued");
    expect(() => r.acceptChunk(s, 3, "d")).toThrow(expect.objectContaining({ code: "conflict" }));
    expect(r.acceptChunk(s, 1, "b").outcome).toBe("delivered");
    expect(r.complete(s)).toBe(true);
    expect(r.view(s).content).toBe("abc");
  });

  it("refuses a second stream with the same id and scopes lookups by org and conversation", () => {
    const r = new StreamRegistry({ maxHeldChunks: 2 });
    stream(r);
    expect(() => stream(r)).toThrow(expect.objectContaining({ code: "conflict" }));
    expect(r.ofConversation("o", "c")).toHaveLength(1);
    expect(r.ofConversation("other", "c")).toHaveLength(0);
    r.remove("00000000-0000-4000-8000-000000000001");
    expect(r.all()).toEqual([]);
  });
});
