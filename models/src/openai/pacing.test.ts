import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { pacedSender } from "./openai.service.js";

describe("pacedSender (MODELS_STREAM_INTERVAL_MS)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends at once when the interval is 0", async () => {
    const sent: number[] = [];
    const paced = pacedSender((n: number) => sent.push(n), 0, new AbortController().signal);
    for (const n of [1, 2, 3]) paced.send(n);
    expect(sent).toEqual([1, 2, 3]);
    await paced.drained();
  });

  it("spaces items by the interval, in order, and drains after the last", async () => {
    const sent: [number, number][] = [];
    const start = Date.now();
    const paced = pacedSender((n: number) => sent.push([n, Date.now() - start]), 50, new AbortController().signal);
    for (const n of [1, 2, 3, 4]) paced.send(n);
    let drained = false;
    void paced.drained().then(() => (drained = true));
    expect(sent.map(([n]) => n)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(49);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(sent).toEqual([[1, 0], [2, 50], [3, 100], [4, 150]]);
    expect(drained).toBe(true);
  });

  it("drops what is queued when the client goes away, and drains at once", async () => {
    const sent: number[] = [];
    const controller = new AbortController();
    const paced = pacedSender((n: number) => sent.push(n), 50, controller.signal);
    for (const n of [1, 2, 3]) paced.send(n);
    const drained = paced.drained();
    controller.abort();
    await drained;
    await vi.advanceTimersByTimeAsync(500);
    paced.send(4);
    expect(sent).toEqual([1]);
  });
});
