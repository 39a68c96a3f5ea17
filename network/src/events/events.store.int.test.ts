import type { TestDatabase } from "@symbia/db/testing";
import type { EventTrace, UnsignedEnvelope } from "@symbia/relay";
import { ListEventsQuery } from "@symbia/relay";
import { isAppError } from "@symbia/sys";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openNetworkDatabase } from "../../test/database.js";
import { event } from "../../test/fixtures.js";
import { networkEvents } from "../db/schema.js";
import type * as schema from "../db/schema.js";
import { TraceRecorder } from "../traces/traces.model.js";
import { createLogger } from "@symbia/http";
import { HistoryWriter } from "./events.history.js";
import { edgeCounts, eventStats, listEvents, listTracesByRun, pruneEvents, recordEvent } from "./events.store.js";

let database: TestDatabase<typeof schema>;
beforeAll(async () => {
  database = await openNetworkDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(networkEvents);
});

const T0 = new Date("2025-06-01T12:00:00.000Z");

function traced(envelope: UnsignedEnvelope, status: EventTrace["status"], deliveredTo: string[] = [], offsetMs = 0): EventTrace {
  const now = () => new Date(T0.getTime() + offsetMs);
  const recorder = new TraceRecorder(envelope, { networkNode: "network", now }).hop({ action: "receive", node: envelope.source });
  for (const to of deliveredTo) recorder.hop({ action: "deliver", node: to, durationMs: 1.5 });
  const reason = status === "denied" ? { reasonCode: "no_contract", reason: "no contract" } : status === "dropped" ? { reasonCode: "bad_signature", reason: "signature does not match" } : {};
  return recorder.finish(status, { deliveredTo, ...reason });
}

async function record(overrides: Partial<UnsignedEnvelope>, status: EventTrace["status"], deliveredTo: string[] = [], offsetMs = 0) {
  const envelope = event(overrides);
  await recordEvent(database.db, traced(envelope, status, deliveredTo, offsetMs), envelope);
  return envelope;
}

const query = (q: Record<string, unknown> = {}) => ListEventsQuery.parse(q);

describe("event history store", () => {
  it("records an event with its trace and reads it back, payload only when asked", async () => {
    const envelope = await record({ dataClass: "pii", causedBy: "evt_cause" }, "delivered", ["service:assistants"]);
    const [withData] = (await listEvents(database.db, { orgId: "org-1" }, query(), { includeData: true })).items;
    expect(withData).toEqual({
      eventId: envelope.id,
      runId: "run-1",
      traceId: envelope.traceId,
      orgId: "org-1",
      type: "message.new",
      source: "service:messaging",
      target: "service:assistants",
      deliveredTo: ["service:assistants"],
      status: "delivered",
      reasonCode: null,
      reason: null,
      hops: [
        { node: "service:messaging", at: T0.toISOString(), durationMs: 0, action: "receive" },
        { node: "service:assistants", at: T0.toISOString(), durationMs: 1.5, action: "deliver" },
      ],
      recordedAt: T0.toISOString(),
      boundary: "intra",
      principal: envelope.principal,
      dataClass: "pii",
      causedBy: "evt_cause",
      timestamp: envelope.timestamp,
      data: envelope.data,
    });
    const [withoutData] = (await listEvents(database.db, { orgId: "org-1" }, query(), { includeData: false })).items;
    expect(withoutData).not.toHaveProperty("data");
  });

  it("lists newest first, filters by run, type, source and status, and pages", async () => {
    await record({ runId: "run-a", type: "message.new" }, "delivered", ["service:assistants"]);
    await record({ runId: "run-a", type: "control.pause" }, "denied");
    await record({ runId: "run-b", type: "message.new", source: "service:runtime" }, "unrouted");
    await record({ runId: "run-a", type: "message.new", orgId: "org-2" }, "delivered", ["service:assistants"]);
    const types = async (q: Record<string, unknown>) => (await listEvents(database.db, { orgId: "org-1" }, query(q), { includeData: false })).items.map((e) => `${e.runId}/${e.type}/${e.status}`);
    expect(await types({})).toEqual(["run-b/message.new/unrouted", "run-a/control.pause/denied", "run-a/message.new/delivered"]);
    expect(await types({ runId: "run-a" })).toEqual(["run-a/control.pause/denied", "run-a/message.new/delivered"]);
    expect(await types({ type: "message.new" })).toEqual(["run-b/message.new/unrouted", "run-a/message.new/delivered"]);
    expect(await types({ source: "service:runtime" })).toEqual(["run-b/message.new/unrouted"]);
    expect(await types({ status: "denied" })).toEqual(["run-a/control.pause/denied"]);

    const first = await listEvents(database.db, { orgId: "org-1" }, query({ limit: 2 }), { includeData: false });
    expect(first.items).toHaveLength(2);
    const second = await listEvents(database.db, { orgId: "org-1" }, query({ limit: 2, cursor: first.nextCursor! }), { includeData: false });
    expect(second.items.map((e) => e.type)).toEqual(["message.new"]);
    expect(second.nextCursor).toBeNull();
    const error = await listEvents(database.db, { orgId: "org-1" }, query({ cursor: "x1" }), { includeData: false }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("validation_failed");
  });

  it("returns a run's traces in handling order, only the org's", async () => {
    const a = await record({ runId: "run-a" }, "delivered", ["service:assistants"], 0);
    const b = await record({ runId: "run-a", causedBy: a.id }, "denied", [], 5);
    await record({ runId: "run-a", orgId: "org-2" }, "delivered", ["service:assistants"]);
    const traces = await listTracesByRun(database.db, { orgId: "org-1" }, "run-a");
    expect(traces.map((t) => [t.eventId, t.status, t.reasonCode])).toEqual([
      [a.id, "delivered", null],
      [b.id, "denied", "no_contract"],
    ]);
  });

  it("counts by status and type, refusals by reason, and counts delivered edges", async () => {
    await record({ type: "message.new" }, "delivered", ["service:assistants", "service:logging"]);
    await record({ type: "message.new" }, "delivered", ["service:assistants"]);
    await record({ type: "control.pause" }, "denied");
    await record({ type: "control.pause" }, "dropped");
    await record({ type: "message.new", orgId: "org-2" }, "delivered", ["service:assistants"]);
    await record({ type: "message.new", orgId: "org-2" }, "dropped");
    expect(await eventStats(database.db, { orgId: "org-1" })).toEqual({
      total: 4,
      byStatus: { delivered: 2, denied: 1, unrouted: 0, dropped: 1, error: 0 },
      byType: [
        { type: "control.pause", count: 2 },
        { type: "message.new", count: 2 },
      ],
      rejected: { bad_signature: 1 },
    });
    expect(await edgeCounts(database.db, { orgId: "org-1" })).toEqual([
      { from: "service:messaging", to: "service:assistants", count: 2 },
      { from: "service:messaging", to: "service:logging", count: 1 },
    ]);
  });

  it("group-commits concurrent records: each resolves once written, in arrival order", async () => {
    const writer = new HistoryWriter(database.db, createLogger({ service: "network", level: "silent" }));
    const envelopes = Array.from({ length: 12 }, (_, i) => event({ runId: `run-batch-${i}` }));
    let written = 0;
    await Promise.all(
      envelopes.map(async (envelope) => {
        await writer.record({ trace: traced(envelope, "delivered", ["service:assistants"]), envelope });
        // Resolved only once the row is readable.
        const page = await listEvents(database.db, { orgId: "org-1" }, query({ runId: envelope.runId }), { includeData: false });
        expect(page.items.map((e) => e.eventId)).toEqual([envelope.id]);
        written += 1;
      }),
    );
    expect(written).toBe(12);
    const all = await listEvents(database.db, { orgId: "org-1" }, query({ limit: 50 }), { includeData: false });
    expect(all.items.map((e) => e.eventId).reverse()).toEqual(envelopes.map((e) => e.id));
  });

  it("stays bounded: pruning keeps the newest rows", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await record({ runId: `run-${i}` }, "delivered", ["service:assistants"])).id);
    expect(await pruneEvents(database.db, 10)).toBe(0);
    expect(await pruneEvents(database.db, 2)).toBe(3);
    const left = await listEvents(database.db, { orgId: "org-1" }, query(), { includeData: false });
    expect(left.items.map((e) => e.eventId)).toEqual([ids[4], ids[3]]);
    expect(await pruneEvents(database.db, 0)).toBe(2);
  });
});
