import { describe, expect, it } from "vitest";
import { z } from "zod";
import { connectRelay } from "./client.js";
import { defineHandler, resolveHandler } from "./handlers.js";
import { Outbox } from "./outbox.js";

describe("Outbox", () => {
  it("keeps order, drops the oldest when full and counts it", () => {
    const box = new Outbox<number>(2);
    expect(box.push(1)).toBeUndefined();
    box.push(2);
    expect(box.push(3)).toBe(1);
    expect([box.size, box.dropped]).toEqual([2, 1]);
    expect(box.shift()).toBe(2);
    box.requeue([0]);
    expect([box.shift(), box.shift(), box.shift()]).toEqual([0, 3, undefined]);
  });

  it("counts what a requeue pushes past the bound, dropping the oldest", () => {
    const box = new Outbox<number>(2);
    box.push(5);
    box.requeue([3, 4]);
    expect([box.shift(), box.shift(), box.dropped]).toEqual([4, 5, 1]);
    expect(() => new Outbox(0)).toThrow();
  });
});

describe("resolveHandler", () => {
  const handlers = { "message.new": "exact", "message.*": "message", "message.stream.*": "stream", "*": "any" };
  it("prefers the exact type, then the longest prefix, then *", () => {
    expect(resolveHandler(handlers, "message.new")).toBe("exact");
    expect(resolveHandler(handlers, "message.stream.chunk")).toBe("stream");
    expect(resolveHandler(handlers, "message.deleted")).toBe("message");
    expect(resolveHandler(handlers, "messages.new")).toBe("any");
    expect(resolveHandler({ "message.*": 1 }, "control.pause")).toBeUndefined();
  });
});

describe("connectRelay before registration", () => {
  const client = () =>
    connectRelay({
      networkUrl: "http://127.0.0.1:9",
      nodeId: "assistant:test",
      type: "assistant",
      credentials: { getToken: async () => "token" },
      autoStart: false,
      outbox: { maxEvents: 2 },
      handlers: { "x.y": defineHandler(z.object({ n: z.number() }), () => undefined) },
    });

  it("queues events while not registered, dropping the oldest beyond the bound", async () => {
    const relay = client();
    const results = [await relay.emit("a.b", { n: 1 }), await relay.emit("a.b", { n: 2 }), await relay.emit("a.b", { n: 3 })];
    expect(results.every((r) => r.queued)).toBe(true);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(3);
    expect(relay.status()).toMatchObject({ connected: false, registered: false, outbox: { size: 2, dropped: 1, maxEvents: 2 } });
    await relay.close();
  });

  it("refuses invalid events at once and anything after close", async () => {
    const relay = client();
    await expect(relay.emit("not-dotted", {})).rejects.toThrow();
    await expect(relay.emit("a.b", { bad: Number.NaN })).rejects.toThrow();
    await expect(relay.emit("a.b", {}, { target: "type/assistant" })).rejects.toThrow();
    await relay.close();
    await expect(relay.emit("a.b", {})).rejects.toMatchObject({ code: "unavailable" });
    await expect(relay.ready()).rejects.toMatchObject({ code: "unavailable" });
  });

  it("refuses deliveries until it holds its key", async () => {
    const relay = client();
    expect(await relay.receive({})).toMatchObject({ ok: false, error: { code: "unavailable" } });
    await relay.close();
  });
});
