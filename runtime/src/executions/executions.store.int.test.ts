import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@symbia/db/testing";
import { openTestDatabase, type schema } from "../../test/db.js";
import type { ExecutionSnapshot } from "./execution.types.js";
import {
  deleteCheckpoint,
  findCheckpoint,
  findExecution,
  insertExecution,
  listExecutions,
  listLiveExecutionsAcrossOrgs,
  saveCheckpoint,
  updateExecution,
  type NewExecution,
} from "./executions.store.js";

let database: TestDatabase<typeof schema>;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const orgA = { orgId: "org_a" };
const orgB = { orgId: "org_b" };
const graph = { nodes: [{ id: "in", component: "passthrough", config: {}, onError: "fail" as const }], edges: [] };

function newExecution(overrides: Partial<NewExecution> = {}): NewExecution {
  return { id: randomUUID(), createdBy: "usr_1", graph, options: {}, state: "pending", createdAt: new Date(), ...overrides };
}

const snapshot = (sequence: number): ExecutionSnapshot => ({
  format: 1,
  state: "running",
  ending: false,
  sequence,
  startedAt: null,
  queue: [],
  inboxes: {},
  nodes: { acc: { items: [sequence] } },
  counters: { nodes: {}, inputsAccepted: sequence, inputsRefused: 0, inputsWaited: 0, outputCount: 0 },
  outputs: [],
});

describe("executions store", () => {
  it("stores an execution and finds it only in its own org", async () => {
    const row = await insertExecution(database.db, orgA, newExecution({ graphRef: "graphs/demo@1" }));
    expect(row).toMatchObject({ orgId: "org_a", state: "pending", graphRef: "graphs/demo@1", graph, error: null, metrics: null });
    expect(await findExecution(database.db, orgA, row.id)).toMatchObject({ id: row.id });
    expect(await findExecution(database.db, orgB, row.id)).toBeNull();
    expect(await updateExecution(database.db, orgB, row.id, { state: "running" })).toBe(false);
    expect((await findExecution(database.db, orgA, row.id))?.state).toBe("pending");
  });

  it("updates state, error, metrics and outputs", async () => {
    const row = await insertExecution(database.db, orgA, newExecution());
    const endedAt = new Date();
    expect(
      await updateExecution(database.db, orgA, row.id, {
        state: "failed",
        error: { code: "node_error", message: "boom", node: "in" },
        outputs: [{ index: 0, node: "in", port: "out", value: { a: 1 } }],
        endedAt,
      }),
    ).toBe(true);
    const found = await findExecution(database.db, orgA, row.id);
    expect(found).toMatchObject({ state: "failed", error: { code: "node_error", node: "in" }, outputs: [{ value: { a: 1 } }] });
    expect(found?.endedAt?.getTime()).toBe(endedAt.getTime());
  });

  it("lists newest first, page by page, within the org and state", async () => {
    const base = Date.UTC(2030, 0, 1);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const row = await insertExecution(database.db, { orgId: "org_list" }, newExecution({ createdAt: new Date(base + (i < 4 ? i : 3) * 1000), state: i % 2 ? "completed" : "running" }));
      ids.push(row.id);
    }
    await insertExecution(database.db, { orgId: "org_other" }, newExecution());
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await listExecutions(database.db, { orgId: "org_list" }, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...result.items.map((r) => r.id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen.slice(2)).toEqual([ids[2], ids[1], ids[0]]);
    const running = await listExecutions(database.db, { orgId: "org_list" }, { limit: 10, state: "running" });
    expect(running.items.map((r) => r.state)).toEqual(["running", "running", "running"]);
    await expect(listExecutions(database.db, orgA, { limit: 1, cursor: "bm90LWpzb24" })).rejects.toThrow();
  });

  it("keeps the newest checkpoint per execution and deletes it", async () => {
    const row = await insertExecution(database.db, orgA, newExecution({ state: "running" }));
    await saveCheckpoint(database.db, orgA, row.id, 1, snapshot(1));
    await saveCheckpoint(database.db, orgA, row.id, 3, snapshot(3));
    await saveCheckpoint(database.db, orgA, row.id, 2, snapshot(2));
    const found = await findCheckpoint(database.db, orgA, row.id);
    expect(found).toMatchObject({ seq: 3, orgId: "org_a", snapshot: { sequence: 3, nodes: { acc: { items: [3] } } } });
    expect(await findCheckpoint(database.db, orgB, row.id)).toBeNull();
    await deleteCheckpoint(database.db, orgB, row.id);
    expect(await findCheckpoint(database.db, orgA, row.id)).not.toBeNull();
    await deleteCheckpoint(database.db, orgA, row.id);
    expect(await findCheckpoint(database.db, orgA, row.id)).toBeNull();
  });

  it("refuses a checkpoint for an unknown execution", async () => {
    await expect(saveCheckpoint(database.db, orgA, randomUUID(), 1, snapshot(1))).rejects.toThrow();
  });

  it("lists live executions across orgs for a restart", async () => {
    const live = await insertExecution(database.db, { orgId: "org_live" }, newExecution({ state: "paused" }));
    const done = await insertExecution(database.db, { orgId: "org_live" }, newExecution({ state: "completed" }));
    const ids = (await listLiveExecutionsAcrossOrgs(database.db)).map((r) => r.id);
    expect(ids).toContain(live.id);
    expect(ids).not.toContain(done.id);
    expect((await listLiveExecutionsAcrossOrgs(database.db)).every((r) => ["initializing", "running", "paused"].includes(r.state))).toBe(true);
  });
});
