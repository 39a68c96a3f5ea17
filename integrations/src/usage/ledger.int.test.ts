import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { createLogger } from "@symbia/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "../db/schema.js";
import { migrationsDir } from "../deps.js";
import { LedgerWriter, type LedgerEntry } from "./ledger.js";
import { usageBuckets, usageOfDay } from "./usage.store.js";

let database: TestDatabase<typeof schema>;
const logger = createLogger({ service: "integrations", level: "silent" });

beforeAll(async () => {
  database = await createTestDatabase({ service: "integrations", schema, migrationsDir });
});
afterAll(() => database?.close());

function entry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  const startedAt = overrides.startedAt ?? new Date();
  return {
    id: randomUUID(),
    orgId: "org-ledger",
    principalId: "p1",
    callerId: "p1",
    provider: "openai",
    model: "m",
    operation: "chat",
    status: "ok",
    errorCategory: null,
    promptTokens: 3,
    completionTokens: 2,
    totalTokens: 5,
    usageEstimated: false,
    costUsd: null,
    latencyMs: 10,
    stream: false,
    traceId: "t",
    runId: null,
    requestId: randomUUID().slice(0, 16),
    day: startedAt.toISOString().slice(0, 10),
    startedAt,
    ...overrides,
  };
}

const count = async (orgId: string) => (await database.db.select().from(schema.usageRecords)).filter((r) => r.orgId === orgId).length;

describe("LedgerWriter", () => {
  it("writes queued records in batches off the caller's path, by itself after flushMs", async () => {
    const writer = new LedgerWriter(database, { queueSize: 100, batchSize: 3, flushMs: 20 }, logger);
    for (let i = 0; i < 7; i++) expect(writer.enqueue(entry({ orgId: "org-batches" }))).toBe(true);
    expect(await count("org-batches")).toBe(0); // nothing was written synchronously
    await new Promise((r) => setTimeout(r, 300));
    expect(await count("org-batches")).toBe(7);
    expect(writer.depth).toBe(0);
    await writer.close();
  });

  it("drops (and counts) records beyond its queue size instead of waiting", async () => {
    const dropped: number[] = [];
    const writer = new LedgerWriter(database, { queueSize: 5, batchSize: 100, flushMs: 10_000, onDropped: (n) => dropped.push(n) }, logger);
    const accepted = Array.from({ length: 8 }, () => writer.enqueue(entry({ orgId: "org-full" })));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
    expect(writer.dropped).toBe(3);
    expect(dropped).toEqual([1, 1, 1]);
    expect(await writer.flush()).toBe(true);
    expect(await count("org-full")).toBe(5);
    await writer.close();
  });

  it("drops rows the database refuses as invalid, without blocking the ones after them", async () => {
    const writer = new LedgerWriter(database, { queueSize: 100, batchSize: 1, flushMs: 10 }, logger);
    writer.enqueue(entry({ orgId: "org-poison", id: "not-a-uuid" }));
    writer.enqueue(entry({ orgId: "org-poison" }));
    await writer.flush();
    expect(writer.dropped).toBe(1);
    expect(await count("org-poison")).toBe(1);
    await writer.close();
  });

  it("flush() after an idle period returns at once, and close() writes what is left", async () => {
    const writer = new LedgerWriter(database, { queueSize: 100, batchSize: 50, flushMs: 5 }, logger);
    writer.enqueue(entry({ orgId: "org-close" }));
    await new Promise((r) => setTimeout(r, 100));
    expect(await writer.flush()).toBe(true);
    writer.enqueue(entry({ orgId: "org-close" }));
    await writer.close();
    expect(await count("org-close")).toBe(2);
  });
});

describe("usage aggregates", () => {
  it("groups per day, principal, provider and model with sums, errors, cancels and known costs", async () => {
    const writer = new LedgerWriter(database, { queueSize: 100, batchSize: 100, flushMs: 5 }, logger);
    const day1 = new Date("2026-03-01T10:00:00Z");
    const day2 = new Date("2026-03-02T23:59:00Z");
    writer.enqueue(entry({ orgId: "org-agg", startedAt: day1, day: "2026-03-01", costUsd: 0.5 }));
    writer.enqueue(entry({ orgId: "org-agg", startedAt: day1, day: "2026-03-01", status: "error", errorCategory: "provider", promptTokens: 0, completionTokens: 0, totalTokens: 0 }));
    writer.enqueue(entry({ orgId: "org-agg", startedAt: day2, day: "2026-03-02", status: "cancelled", latencyMs: 30 }));
    writer.enqueue(entry({ orgId: "org-agg", startedAt: day2, day: "2026-03-02", principalId: "p2", model: "other" }));
    writer.enqueue(entry({ orgId: "org-elsewhere", startedAt: day2, day: "2026-03-02" }));
    await writer.close();
    const { items } = await usageBuckets(database, { orgId: "org-agg" }, { from: "2026-03-01", to: "2026-03-02", limit: 10 });
    expect(items).toEqual([
      { day: "2026-03-02", principalId: "p1", provider: "openai", model: "m", requests: 1, errors: 0, cancelled: 1, promptTokens: 3, completionTokens: 2, totalTokens: 5, costUsd: null, avgLatencyMs: 30 },
      { day: "2026-03-02", principalId: "p2", provider: "openai", model: "other", requests: 1, errors: 0, cancelled: 0, promptTokens: 3, completionTokens: 2, totalTokens: 5, costUsd: null, avgLatencyMs: 10 },
      { day: "2026-03-01", principalId: "p1", provider: "openai", model: "m", requests: 2, errors: 1, cancelled: 0, promptTokens: 3, completionTokens: 2, totalTokens: 5, costUsd: 0.5, avgLatencyMs: 10 },
    ]);
    expect(await usageOfDay(database, "org-agg", null, "2026-03-02", new Date())).toEqual({ tokens: 10, requests: 2 });
    expect(await usageOfDay(database, "org-agg", "p2", "2026-03-02", new Date())).toEqual({ tokens: 5, requests: 1 });
    expect(await usageOfDay(database, "org-agg", null, "2026-03-02", new Date("2026-03-02T00:00:00Z"))).toEqual({ tokens: 0, requests: 0 });
  });
});
