import { describe, expect, it } from "vitest";
import { backoffMs, BreakerRegistry, sleep } from "./reliability.js";
import { RunCancelledError, RunRegistry } from "./runs.js";

describe("RunRegistry", () => {
  it("cancels every call of a run (optionally one org's), and a client's signal cancels its own call", async () => {
    const runs = new RunRegistry();
    const a = runs.register({ runId: "r1", orgId: "o1", principalId: "p", requestId: "a" });
    const b = runs.register({ runId: "r1", orgId: "o2", principalId: "p", requestId: "b" });
    const client = new AbortController();
    const c = runs.register({ runId: null, orgId: "o1", principalId: "p", requestId: "c" }, client.signal);
    expect(runs.cancel("r1", { orgId: "o2" })).toBe(1);
    expect([a.cancelled, b.cancelled]).toEqual([false, true]);
    expect(b.signal.reason).toBeInstanceOf(RunCancelledError);
    expect(runs.cancel("r1")).toBe(1);
    expect(runs.cancel("r1")).toBe(0);
    client.abort();
    expect(c.cancelled).toBe(true);
    for (const call of [a, b, c]) call.release();
    expect(runs.size).toBe(0);
    expect(runs.cancel("r1")).toBe(0);
  });
});

describe("reliability helpers", () => {
  it("backs off exponentially with jitter, capped", () => {
    for (let i = 0; i < 20; i++) {
      expect(backoffMs(0, 100, 1000)).toBeGreaterThanOrEqual(75);
      expect(backoffMs(0, 100, 1000)).toBeLessThanOrEqual(125);
      expect(backoffMs(10, 100, 1000)).toBeLessThanOrEqual(1250);
    }
  });

  it("sleep rejects as soon as its signal aborts", async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    const pending = sleep(10_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("counts only failures the predicate calls failures toward opening a circuit", async () => {
    const breakers = new BreakerRegistry({ errorPercent: 50, volume: 2, windowMs: 10_000, resetMs: 60_000 }, (e) => (e as Error).message === "count me");
    for (let i = 0; i < 5; i++) await breakers.run("k", () => Promise.reject(new Error("ignore me"))).catch(() => undefined);
    expect(breakers.state("k")).toBe("closed");
    // Filtered errors count as successes: 7 of 12 calls fail → over 50 %.
    for (let i = 0; i < 7; i++) await breakers.run("k", () => Promise.reject(new Error("count me"))).catch(() => undefined);
    expect(breakers.state("k")).toBe("open");
    await expect(breakers.run("k", async () => "x")).rejects.toMatchObject({ code: "EOPENBREAKER" });
    expect(breakers.state("other")).toBe("closed");
    breakers.shutdown();
  });
});
