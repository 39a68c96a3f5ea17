import { describe, expect, it } from "vitest";
import { RequestCancelledError, SlotPool } from "./slots.js";

const pool = (size: number, queue: number, timeoutMs = 5_000) => new SlotPool<string>(size, queue, timeoutMs, () => "worker", () => 7);
const never = new AbortController().signal;

describe("SlotPool", () => {
  it("grants free slots at once, queues the rest in order, and answers 429 when the queue is full", async () => {
    const p = pool(2, 1);
    p.onRelease = () => p.dispatch(true);
    const rejected: string[] = [];
    p.onRejected = (reason) => rejected.push(reason);
    const a = await p.acquire(true, never, "m");
    const b = await p.acquire(true, never, "m");
    expect(a.value).toBe("worker");
    expect(p.slotsInUse).toBe(2);
    const order: string[] = [];
    const c = p.acquire(true, never, "m").then((lease) => (order.push("c"), lease));
    expect(p.queueDepth).toBe(1);
    await expect(p.acquire(true, never, "m")).rejects.toMatchObject({ code: "rate_limited", retryAfterSeconds: 7, details: { slots: 2, queueLimit: 1 } });
    expect(rejected).toEqual(["queue_full"]);
    b.release();
    b.release(); // a second release is ignored
    const leaseC = await c;
    expect(order).toEqual(["c"]);
    expect(p.slotsInUse).toBe(2);
    a.release();
    leaseC.release();
    expect(p.slotsInUse).toBe(0);
  });

  it("holds requests while closed (loading) and hands them slots once dispatched open", async () => {
    const p = pool(1, 4);
    const waiting = p.acquire(false, never, "m");
    expect(p.queueDepth).toBe(1);
    p.dispatch(false);
    expect(p.queueDepth).toBe(1);
    p.dispatch(true);
    expect((await waiting).value).toBe("worker");
    expect(p.slotsInUse).toBe(1);
  });

  it("removes a waiting request whose signal aborts, and times out the others with 503", async () => {
    const p = pool(1, 4, 50);
    const rejected: string[] = [];
    p.onRejected = (reason) => rejected.push(reason);
    const held = await p.acquire(true, never, "m");
    const controller = new AbortController();
    const leaving = p.acquire(true, controller.signal, "m");
    const timingOut = p.acquire(true, never, "m");
    controller.abort();
    await expect(leaving).rejects.toBeInstanceOf(RequestCancelledError);
    await expect(timingOut).rejects.toMatchObject({ code: "unavailable" });
    expect(p.queueDepth).toBe(0);
    expect(rejected).toEqual(["queue_timeout"]); // a client that left is not a rejection
    held.release();
  });

  it("fails every queued request at once (unload, failed restart)", async () => {
    const p = pool(1, 4);
    await p.acquire(true, never, "m");
    const queued = [p.acquire(true, never, "m"), p.acquire(true, never, "m")];
    p.failQueued(new Error("unloaded"));
    for (const q of queued) await expect(q).rejects.toThrow("unloaded");
    expect(p.queueDepth).toBe(0);
  });

  it("answers 429 at once with a queue limit of 0", async () => {
    const p = pool(1, 0);
    await p.acquire(true, never, "m");
    await expect(p.acquire(true, never, "m")).rejects.toMatchObject({ code: "rate_limited" });
  });
});
