import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "@symbia/http";
import type { Database } from "@symbia/db";
import type { TestDatabase } from "@symbia/db/testing";
import { AppError, type Scope } from "@symbia/sys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphValidationError, InvalidTransitionError } from "../errors.js";
import { createBuiltinRegistry } from "../components/builtins/index.js";
import { ComponentRegistry } from "../components/manifest.js";
import { openTestDatabase, restartableDatabase, type schema } from "../../test/db.js";
import type { GraphDefinitionInput } from "../graphs/graph.schemas.js";
import type { ExecutionEventName } from "./execution.events.js";
import { ExecutionService, type ExecutionServiceDeps } from "./executions.service.js";
import * as store from "./executions.store.js";

const logger = createLogger({ service: "runtime", level: "silent" });
const registry = createBuiltinRegistry();
const alice: Scope = { orgId: "org_a", principalId: "usr_alice", principalType: "user", entityId: "ent_alice" };
const bob: Scope = { orgId: "org_b", principalId: "usr_bob", principalType: "user", entityId: "ent_bob" };

function service(database: Database<typeof schema>, overrides: Partial<ExecutionServiceDeps> = {}): ExecutionService {
  return new ExecutionService({ database, registry, logger, checkpointIntervalMs: 0, defaults: { metricsIntervalMs: 0 }, ...overrides });
}

/** in → accumulator (count 3) */
const windowed: GraphDefinitionInput = {
  nodes: [
    { id: "in", component: "passthrough", config: { schema: { type: "string" } } },
    { id: "window", component: "accumulator", config: { window: "count", count: 3, schema: { type: "string" } } },
  ],
  edges: [{ from: "in.out", to: "window.in" }],
};

async function waitFor(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("ExecutionService", () => {
  let database: TestDatabase<typeof schema>;
  let executions: ExecutionService;
  beforeAll(async () => {
    database = await openTestDatabase();
    executions = service(database);
  });
  afterAll(async () => {
    await executions?.suspend();
    await database?.close();
  });

  it("stores every state change, then the final metrics and outputs, and drops the checkpoint", async () => {
    const created = await executions.create(alice, { graph: windowed, graphRef: "graphs/windowed@1", options: { queueCapacity: 10 } });
    expect(created).toMatchObject({ state: "pending", orgId: "org_a", createdBy: "usr_alice", graphRef: "graphs/windowed@1", order: ["in", "window"], openInputs: ["in.in"], openOutputs: ["window.out"] });
    expect((await store.findExecution(database.db, alice, created.id))?.state).toBe("pending");

    const started = await executions.start(alice, created.id);
    expect(started.state).toBe("running");
    const stored = await store.findExecution(database.db, alice, created.id);
    expect(stored?.state).toBe("running");
    expect(stored?.startedAt).toBeInstanceOf(Date);

    for (const value of ["a", "b", "c", "d"]) expect(await executions.inject(alice, created.id, { node: "in" }, value)).toMatchObject({ accepted: true });
    await executions.pause(alice, created.id);
    expect((await store.findCheckpoint(database.db, alice, created.id))?.snapshot.state).toBe("paused");
    await executions.resume(alice, created.id);
    await executions.end(alice, created.id);
    await waitFor(async () => (await store.findExecution(database.db, alice, created.id))?.state === "completed", "completion");
    await executions.settled(created.id);

    const row = await store.findExecution(database.db, alice, created.id);
    expect(row?.outputs?.map((o) => o.value)).toEqual([["a", "b", "c"], ["d"]]);
    expect(row?.metrics).toMatchObject({ state: "completed", inputsAccepted: 4, outputs: 2 });
    expect(row?.metrics?.nodes.map((n) => [n.node, n.messagesIn, n.messagesOut])).toEqual([
      ["in", 4, 4],
      ["window", 4, 2],
    ]);
    expect(row?.endedAt).toBeInstanceOf(Date);
    expect(await store.findCheckpoint(database.db, alice, created.id)).toBeNull();
    // Read back from the database once the live object is gone.
    await waitFor(async () => (await executions.get(alice, created.id)).state === "completed", "view");
    expect(await executions.outputs(alice, created.id)).toHaveLength(2);
    expect((await executions.metrics(alice, created.id))?.inputsAccepted).toBe(4);
  });

  it("answers not_found for another org's execution and for a malformed id", async () => {
    const created = await executions.create(alice, { graph: windowed });
    for (const call of [() => executions.get(bob, created.id), () => executions.start(bob, created.id), () => executions.inject(bob, created.id, { node: "in" }, "x"), () => executions.get(alice, "not-a-uuid")]) {
      await expect(call()).rejects.toMatchObject({ code: "not_found" });
    }
    expect((await executions.list(bob, {})).items.map((e) => e.id)).not.toContain(created.id);
    expect((await executions.list(alice, {})).items.map((e) => e.id)).toContain(created.id);
  });

  it("rejects a bad graph or bad options with 400 and stores nothing", async () => {
    const before = (await executions.list(alice, { limit: 100 })).items.length;
    await expect(executions.create(alice, { graph: { nodes: [{ id: "x", component: "nope" }] } })).rejects.toBeInstanceOf(GraphValidationError);
    await expect(executions.create(alice, { graph: windowed, options: { queueCapacity: 0 } })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(executions.list(alice, { cursor: "garbage" })).rejects.toMatchObject({ code: "validation_failed" });
    expect((await executions.list(alice, { limit: 100 })).items.length).toBe(before);
  });

  it("answers a typed 409 for a transition the state machine refuses, live or ended", async () => {
    const created = await executions.create(alice, { graph: windowed });
    await expect(executions.resume(alice, created.id)).rejects.toBeInstanceOf(InvalidTransitionError);
    await executions.start(alice, created.id);
    await expect(executions.start(alice, created.id)).rejects.toBeInstanceOf(InvalidTransitionError);
    await executions.cancel(alice, created.id);
    await waitFor(async () => (await store.findExecution(database.db, alice, created.id))?.state === "cancelled", "cancel stored");
    await waitFor(async () => (await executions.get(alice, created.id)).state === "cancelled", "live object released");
    const error = await executions.pause(alice, created.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as AppError).details).toEqual({ from: "cancelled", to: "paused", allowed: [] });
    await expect(executions.inject(alice, created.id, { node: "in" }, "x")).rejects.toMatchObject({ code: "conflict" });
  });

  it("lets a subscriber watch state changes, outputs and metrics", async () => {
    const created = await executions.create(alice, { graph: windowed });
    await executions.start(alice, created.id);
    const seen: Array<[ExecutionEventName, unknown]> = [];
    const off = await executions.subscribe(alice, created.id, (event, payload) => seen.push([event, payload]));
    for (const value of ["x", "y", "z"]) await executions.inject(alice, created.id, { node: "in" }, value);
    await waitFor(async () => (await executions.outputs(alice, created.id)).length === 1, "the window");
    await executions.pause(alice, created.id);
    await executions.cancel(alice, created.id);
    off();
    expect(seen.filter(([e]) => e === "state").map(([, p]) => (p as { to: string }).to)).toEqual(["paused", "cancelled"]);
    expect(seen.filter(([e]) => e === "output").map(([, p]) => (p as { value: unknown }).value)).toEqual([["x", "y", "z"]]);
    expect(seen.find(([e]) => e === "metrics")?.[1]).toMatchObject({ state: "cancelled", inputsAccepted: 3 });
  });
});

describe("checkpoint and resume across a restart (real database)", () => {
  it("resumes a paused execution after a graceful stop: open window, queued values, counters", async () => {
    const db = await restartableDatabase();
    try {
      const first = await db.open();
      const before = service(first);
      const { id } = await before.create(alice, { graph: windowed });
      await before.start(alice, id);
      await before.inject(alice, id, { node: "in" }, "a");
      await before.inject(alice, id, { node: "in" }, "b");
      await sleep(20);
      await before.pause(alice, id);
      await before.inject(alice, id, { node: "in" }, "c");
      await before.inject(alice, id, { node: "in" }, "d");
      await before.suspend();
      const saved = await store.findCheckpoint(first.db, alice, id);
      expect(saved?.snapshot).toMatchObject({ state: "paused", nodes: { window: { items: ["a", "b"] } }, queue: [{ value: "c" }, { value: "d" }] });
      expect((await store.findExecution(first.db, alice, id))?.state).toBe("paused");
      await first.close();

      const second = await db.open();
      const after = service(second);
      expect(await after.resumeAll()).toEqual({ resumed: [id], failed: [] });
      expect((await after.get(alice, id)).state).toBe("paused");
      await after.resume(alice, id);
      await after.inject(alice, id, { node: "in" }, "e");
      await after.end(alice, id);
      await waitFor(async () => (await store.findExecution(second.db, alice, id))?.state === "completed", "completion after resume");
      await after.settled(id);
      const row = await store.findExecution(second.db, alice, id);
      expect(row?.outputs?.map((o) => o.value)).toEqual([["a", "b", "c"], ["d", "e"]]);
      expect(row?.metrics).toMatchObject({ inputsAccepted: 5 });
      expect(row?.metrics?.nodes.find((n) => n.node === "window")).toMatchObject({ messagesIn: 5, messagesOut: 2 });
      await after.suspend();
      await second.close();
    } finally {
      await db.cleanup();
    }
  });

  it("resumes a running execution from its last periodic checkpoint after the engine died", async () => {
    const db = await restartableDatabase();
    try {
      const first = await db.open();
      const before = service(first, { checkpointIntervalMs: 20 });
      const { id } = await before.create(alice, { graph: windowed });
      await before.start(alice, id);
      await before.inject(alice, id, { node: "in" }, "a");
      await before.inject(alice, id, { node: "in" }, "b");
      await waitFor(async () => ((await store.findCheckpoint(first.db, alice, id))?.snapshot.nodes.window as { items?: string[] } | undefined)?.items?.length === 2, "a periodic checkpoint");
      // The engine dies: no suspend, its database connection is simply gone.
      await first.close();

      const second = await db.open();
      expect((await store.findExecution(second.db, alice, id))?.state).toBe("running");
      const after = service(second);
      expect(await after.resumeAll()).toEqual({ resumed: [id], failed: [] });
      expect((await after.get(alice, id)).state).toBe("running");
      await after.inject(alice, id, { node: "in" }, "c");
      await waitFor(async () => (await after.outputs(alice, id)).length === 1, "the window to close");
      expect((await after.outputs(alice, id)).map((o) => o.value)).toEqual([["a", "b", "c"]]);
      await after.cancel(alice, id);
      await after.settled(id);
      await after.suspend();
      await second.close();
      await before.suspend();
    } finally {
      await db.cleanup();
    }
  });

  it("fails an execution whose graph no longer validates when resuming", async () => {
    const db = await restartableDatabase();
    try {
      const first = await db.open();
      const before = service(first);
      const { id } = await before.create(alice, { graph: windowed });
      await before.start(alice, id);
      await before.suspend();
      await first.close();

      const second = await db.open();
      // An engine that no longer has the components the stored graph names.
      const after = new ExecutionService({ database: second, registry: new ComponentRegistry(), logger, checkpointIntervalMs: 0 });
      expect(await after.resumeAll()).toEqual({ resumed: [], failed: [id] });
      expect(await store.findExecution(second.db, alice, id)).toMatchObject({ state: "failed", error: { code: "resume_failed" } });
      await second.close();
    } finally {
      await db.cleanup();
    }
  });
});
