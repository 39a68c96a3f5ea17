import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restartableDatabase } from "./db.js";
import { client, eventually, startIdentity, startRuntime, type IdentityProcess, type TestUser } from "./harness.js";

const windowed = {
  nodes: [
    { id: "in", component: "passthrough", config: { schema: { type: "string" } } },
    { id: "window", component: "accumulator", config: { window: "count", count: 3, schema: { type: "string" } } },
  ],
  edges: [{ from: "in.out", to: "window.in" }],
};

describe("runtime restart", () => {
  let identity: IdentityProcess & { superAdmin: TestUser };
  let alice: TestUser;
  let store: Awaited<ReturnType<typeof restartableDatabase>>;

  beforeAll(async () => {
    identity = await startIdentity();
    alice = await identity.registerUser({ orgName: "Alice Co" });
    store = await restartableDatabase();
  });
  afterAll(async () => {
    await store?.cleanup();
    await identity?.stop();
  });

  it("resumes a running execution (accumulator window and queue included) and keeps a paused one paused", async () => {
    const first = await startRuntime(identity, { database: await store.open() });
    let asAlice = client(first.url, alice.token);
    const create = async () => {
      const res = await asAlice("POST", "/api/executions", { json: { graph: windowed, start: true, options: { metricsIntervalMs: 0 } } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const running = await create();
    for (const value of ["a", "b", "c", "d"]) expect((await asAlice("POST", `/api/executions/${running}/inject`, { json: { node: "in", value } })).status).toBe(202);
    await eventually(async () => (await asAlice("GET", `/api/executions/${running}/outputs`)).body.items.length === 1, "the first window");
    const paused = await create();
    await asAlice("POST", `/api/executions/${paused}/inject`, { json: { node: "in", value: "x" } });
    await asAlice("POST", `/api/executions/${paused}/pause`);
    await asAlice("POST", `/api/executions/${paused}/inject`, { json: { node: "in", value: "y" } });
    await first.close();

    const second = await startRuntime(identity, { database: await store.open() });
    try {
      expect(second.resumed.resumed.sort()).toEqual([running, paused].sort());
      asAlice = client(second.url, alice.token);
      expect((await asAlice("GET", `/api/executions/${running}`)).body.state).toBe("running");
      expect((await asAlice("GET", `/api/executions/${paused}`)).body.state).toBe("paused");
      for (const value of ["e", "f", "g"]) expect((await asAlice("POST", `/api/executions/${running}/inject`, { json: { node: "in", value } })).status).toBe(202);
      await asAlice("POST", `/api/executions/${running}/end`);
      await eventually(async () => (await asAlice("GET", `/api/executions/${running}`)).body.state === "completed", "completion after restart");
      const outputs = await asAlice("GET", `/api/executions/${running}/outputs`);
      expect(outputs.body.items.map((o: { value: string[] }) => o.value)).toEqual([["a", "b", "c"], ["d", "e", "f"], ["g"]]);
      const metrics = await asAlice("GET", `/api/executions/${running}/metrics`);
      expect(metrics.body).toMatchObject({ inputsAccepted: 7, outputs: 3 });
      expect(metrics.body.nodes.find((n: { node: string }) => n.node === "window")).toMatchObject({ messagesIn: 7, messagesOut: 3 });

      // The paused one kept its queued value and its window: resume and end flush x and y together.
      expect((await asAlice("GET", `/api/executions/${paused}/metrics`)).body.queue.depth).toBe(1);
      await asAlice("POST", `/api/executions/${paused}/resume`);
      await asAlice("POST", `/api/executions/${paused}/end`);
      await eventually(async () => (await asAlice("GET", `/api/executions/${paused}`)).body.state === "completed", "the paused one to complete");
      expect((await asAlice("GET", `/api/executions/${paused}/outputs`)).body.items.map((o: { value: string[] }) => o.value)).toEqual([["x", "y"]]);
    } finally {
      await second.close();
    }
  });
});
