import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, eventually, startIdentity, startRuntime, type IdentityProcess, type TestRuntime, type TestUser } from "../../test/harness.js";

type Call = ReturnType<typeof client>;

/** in (integer) → double (map) → window (accumulator, count 3). */
const doubler = {
  nodes: [
    { id: "in", component: "passthrough", config: { schema: { type: "integer" } } },
    { id: "double", component: "map", config: { expression: "value * 2", inputSchema: { type: "integer" }, outputSchema: { type: "integer" } } },
    { id: "window", component: "accumulator", config: { window: "count", count: 3, schema: { type: "integer" } } },
  ],
  edges: [
    { from: "in.out", to: "double.in" },
    { from: "double.out", to: "window.in" },
  ],
};

describe("runtime REST", () => {
  let identity: IdentityProcess & { superAdmin: TestUser };
  let runtime: TestRuntime;
  let alice: TestUser;
  let bob: TestUser;
  let asAlice: Call;
  let asBob: Call;

  beforeAll(async () => {
    identity = await startIdentity();
    runtime = await startRuntime(identity);
    alice = await identity.registerUser({ orgName: "Alice Co" });
    bob = await identity.registerUser({ orgName: "Bob Co" });
    asAlice = client(runtime.url, alice.token);
    asBob = client(runtime.url, bob.token);
  });
  afterAll(async () => {
    await runtime?.close();
    await identity?.stop();
  });

  async function started(graph: unknown = doubler, options: Record<string, unknown> = {}): Promise<string> {
    const res = await asAlice("POST", "/api/executions", { json: { graph, options: { metricsIntervalMs: 0, ...options }, start: true } });
    expect(res.status).toBe(201);
    expect(res.body.state).toBe("running");
    return res.body.id as string;
  }

  async function settled(id: string, state = "completed") {
    await eventually(async () => (await asAlice("GET", `/api/executions/${id}`)).body.state === state, `execution ${state}`);
    await runtime.deps.executions.settled(id);
  }

  describe("POST /api/graphs/validate", () => {
    it("answers the topological order of a known graph (Kahn, ties in declaration order)", async () => {
      const graph = {
        nodes: [
          { id: "sink", component: "merge" },
          { id: "left", component: "passthrough" },
          { id: "src", component: "passthrough" },
          { id: "right", component: "passthrough" },
        ],
        edges: [
          { from: "src.out", to: "right.in" },
          { from: "src.out", to: "left.in" },
          { from: "left.out", to: "sink.a" },
          { from: "right.out", to: "sink.b" },
        ],
      };
      const res = await asAlice("POST", "/api/graphs/validate", { json: { graph } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ valid: true, graphRef: null, order: ["src", "left", "right", "sink"], openInputs: ["src.in"], openOutputs: ["sink.out"] });
      const chain = await asAlice("POST", "/api/graphs/validate", { json: { graph: doubler } });
      expect(chain.body.order).toEqual(["in", "double", "window"]);
    });

    it("rejects a cycle with 400, naming its nodes in order", async () => {
      const graph = {
        nodes: [
          { id: "entry", component: "merge" },
          { id: "a", component: "passthrough" },
          { id: "b", component: "passthrough" },
          { id: "c", component: "passthrough" },
        ],
        edges: [
          { from: "entry.out", to: "a.in" },
          { from: "a.out", to: "b.in" },
          { from: "b.out", to: "c.in" },
          { from: "c.out", to: "entry.b" },
        ],
      };
      const res = await asAlice("POST", "/api/graphs/validate", { json: { graph } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.details.issues).toEqual([{ path: "body.graph.edges", message: "cycle: entry → a → b → c → entry", cycle: ["entry", "a", "b", "c", "entry"] }]);
    });

    it("rejects incompatible port types with 400 at the edge's path", async () => {
      const graph = {
        nodes: [
          { id: "text", component: "passthrough", config: { schema: { type: "string" } } },
          { id: "count", component: "passthrough", config: { schema: { type: "integer" } } },
        ],
        edges: [{ from: "text.out", to: "count.in" }],
      };
      const res = await asAlice("POST", "/api/graphs/validate", { json: { graph } });
      expect(res.status).toBe(400);
      const [issue] = res.body.error.details.issues;
      expect(issue.path).toBe("body.graph.edges.0");
      expect(issue.message).toMatch(/text\.out → count\.in: port types are incompatible/);
    });

    it("answers 400 with the failing paths for a bad body, and 401 without credentials", async () => {
      const neither = await asAlice("POST", "/api/graphs/validate", { json: {} });
      expect(neither.status).toBe(400);
      expect(neither.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(["body.graph"]);
      const badRef = await asAlice("POST", "/api/graphs/validate", { json: { graphRef: "components/map" } });
      expect(badRef.status).toBe(400);
      expect(badRef.body.error.details.issues.map((i: { path: string }) => i.path)).toContain("body.graphRef");
      const badNode = await asAlice("POST", "/api/graphs/validate", { json: { graph: { nodes: [{ id: "x", component: "map", config: {} }] } } });
      expect(badNode.status).toBe(400);
      expect(badNode.body.error.details.issues[0].path).toBe("body.graph.nodes.0.config");
      expect((await client(runtime.url)("POST", "/api/graphs/validate", { json: { graph: doubler } })).status).toBe(401);
    });
  });

  describe("POST /api/executions and its controls", () => {
    it("runs a posted graph: inject → outputs in order, metrics per node, completion stored", async () => {
      const id = await started();
      for (const n of [1, 2, 3, 4]) {
        const res = await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value: n } });
        expect(res.status).toBe(202);
        expect(res.body).toMatchObject({ accepted: true, sequence: n });
      }
      expect((await asAlice("POST", `/api/executions/${id}/end`)).body.inputEnded).toBe(true);
      await settled(id);
      const outputs = await asAlice("GET", `/api/executions/${id}/outputs`);
      expect(outputs.body).toEqual({
        items: [
          { index: 0, node: "window", port: "out", value: [2, 4, 6] },
          { index: 1, node: "window", port: "out", value: [8] },
        ],
        nextCursor: null,
      });
      const page = await asAlice("GET", `/api/executions/${id}/outputs?limit=1`);
      expect(page.body.items.map((o: { index: number }) => o.index)).toEqual([0]);
      expect((await asAlice("GET", `/api/executions/${id}/outputs?limit=1&cursor=${page.body.nextCursor}`)).body.items[0].value).toEqual([8]);
      const metrics = await asAlice("GET", `/api/executions/${id}/metrics`);
      expect(metrics.body).toMatchObject({ state: "completed", inputsAccepted: 4, outputs: 2 });
      expect(metrics.body.nodes.map((n: { node: string; messagesIn: number; messagesOut: number }) => [n.node, n.messagesIn, n.messagesOut])).toEqual([
        ["in", 4, 4],
        ["double", 4, 4],
        ["window", 4, 2],
      ]);
      const view = await asAlice("GET", `/api/executions/${id}`);
      expect(view.body).toMatchObject({ id, state: "completed", createdBy: alice.principal.id, order: ["in", "double", "window"], openInputs: ["in.in"], openOutputs: ["window.out"] });
      expect(view.body.endedAt).not.toBeNull();
    });

    it("rejects a value that does not match the input port's type at run time (400), and takes nothing", async () => {
      const id = await started();
      const bad = await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value: "seven" } });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: "validation_failed", details: { node: "in", port: "in", direction: "input" } });
      expect(bad.body.error.details.issues[0].message).toMatch(/integer/);
      const missing = await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in" } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(["body.value"]);
      const unknownNode = await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "window", value: 1 } });
      expect(unknownNode.status).toBe(400);
      expect((await asAlice("GET", `/api/executions/${id}/metrics`)).body.inputsAccepted).toBe(0);
      await asAlice("POST", `/api/executions/${id}/cancel`);
    });

    it("fails the execution when a node emits a value its output type refuses (checked at run time)", async () => {
      const graph = { nodes: [{ id: "in", component: "map", config: { expression: "String(value)", outputSchema: { type: "integer" } } }] };
      const id = await started(graph);
      expect((await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value: 5 } })).status).toBe(202);
      await settled(id, "failed");
      const view = await asAlice("GET", `/api/executions/${id}`);
      expect(view.body.error).toMatchObject({ code: "validation_failed", node: "in" });
      expect(view.body.error.message).toMatch(/output in\.out does not match its type/);
    });

    it("answers 409 for a transition the state machine refuses, 400 for a bad id", async () => {
      const id = await started();
      const again = await asAlice("POST", `/api/executions/${id}/start`);
      expect(again.status).toBe(409);
      expect(again.body.error.details).toMatchObject({ from: "running", to: "initializing" });
      expect((await asAlice("POST", `/api/executions/${id}/resume`)).status).toBe(409);
      expect((await asAlice("POST", `/api/executions/${id}/cancel`)).body.state).toBe("cancelled");
      expect((await asAlice("POST", `/api/executions/${id}/pause`)).status).toBe(409);
      const inject = await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value: 1 } });
      expect(inject.status).toBe(409);
      const badId = await asAlice("GET", "/api/executions/not-a-uuid");
      expect(badId.status).toBe(400);
      expect(badId.body.error.details.issues[0].path).toBe("params.id");
    });

    it("answers 503 with Retry-After for a catalog graph while catalog is unreachable, and stores nothing", async () => {
      const before = (await asAlice("GET", "/api/executions?limit=100")).body.items.length;
      const res = await asAlice("POST", "/api/executions", { json: { graphRef: "graphs/etl" } });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(/catalog is unreachable/);
      expect(res.headers.get("retry-after")).toBe("5");
      expect((await asAlice("GET", "/api/executions?limit=100")).body.items.length).toBe(before);
      const both = await asAlice("POST", "/api/executions", { json: { graph: doubler, graphRef: "graphs/etl" } });
      expect(both.status).toBe(400);
      expect(both.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(["body.graphRef"]);
    });

    it("lists the org's executions newest first, a page at a time", async () => {
      const ids = [await started(), await started(), await started()];
      const first = await asAlice("GET", "/api/executions?limit=2&state=running");
      expect(first.status).toBe(200);
      expect(first.body.items.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await asAlice("GET", `/api/executions?limit=2&state=running&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.items.map((e: { id: string }) => e.id)[0]).toBe(ids[0]);
      expect((await asAlice("GET", "/api/executions?limit=0")).status).toBe(400);
      for (const id of ids) await asAlice("POST", `/api/executions/${id}/cancel`);
    });
  });

  describe("tenancy and entitlements", () => {
    it("answers 404 for another org's execution on every route and never lists it", async () => {
      const id = await started();
      for (const [method, path, json] of [
        ["GET", `/api/executions/${id}`],
        ["GET", `/api/executions/${id}/metrics`],
        ["GET", `/api/executions/${id}/outputs`],
        ["POST", `/api/executions/${id}/inject`, { node: "in", value: 1 }],
        ["POST", `/api/executions/${id}/pause`],
        ["POST", `/api/executions/${id}/cancel`],
        ["POST", `/api/executions/${id}/end`],
      ] as const) {
        const res = await asBob(method, path, json ? { json } : {});
        expect([method, path, res.status]).toEqual([method, path, 404]);
        expect(res.body.error.code).toBe("not_found");
      }
      expect((await asBob("GET", "/api/executions")).body.items.map((e: { id: string }) => e.id)).not.toContain(id);
      expect((await asBob("GET", `/api/executions/${id}`, { orgId: alice.orgId })).status).toBe(403);
      expect((await asAlice("GET", `/api/executions/${id}`)).body.state).toBe("running");
      await asAlice("POST", `/api/executions/${id}/cancel`);
    });

    it("lets an API key scoped to cap:runtime.read read but not execute (403)", async () => {
      const created = await identity.call("/api/api-keys", { token: alice.token, json: { name: "reader", scopes: ["cap:runtime.read"] } });
      expect(created.status).toBe(201);
      const asKey = client(runtime.url, created.body.key);
      expect((await asKey("GET", "/api/executions")).status).toBe(200);
      expect((await asKey("GET", "/api/components")).status).toBe(200);
      const denied = await asKey("POST", "/api/executions", { json: { graph: doubler } });
      expect(denied.status).toBe(403);
      expect(denied.body.error.details).toEqual({ entitlement: "cap:runtime.execute" });
    });
  });

  describe("pause and backpressure over HTTP", () => {
    it("with 10× the queue bound injected while paused: 429 + Retry-After, bounded queue, zero loss, order kept after resume", async () => {
      const capacity = 20;
      const total = capacity * 10;
      const graph = {
        nodes: [
          { id: "in", component: "passthrough", config: { schema: { type: "integer" } } },
          { id: "window", component: "accumulator", config: { window: "count", count: 10, schema: { type: "integer" } } },
        ],
        edges: [{ from: "in.out", to: "window.in" }],
      };
      const id = await started(graph, { queueCapacity: capacity, pausedRetryAfterMs: 2_000 });
      expect((await asAlice("POST", `/api/executions/${id}/pause`)).body.state).toBe("paused");

      const retryAfter: string[] = [];
      let next = 0;
      // One producer, values in order; on 429 it retries the same value (sooner than advised, to keep the test short).
      const offer = async () => {
        const res = await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value: next } });
        if (res.status === 202) {
          expect(res.body.sequence).toBe(next + 1);
          next++;
          return true;
        }
        expect(res.status).toBe(429);
        expect(res.body.error).toMatchObject({ code: "rate_limited", details: { reason: "backpressure", capacity } });
        retryAfter.push(res.headers.get("retry-after") ?? "missing");
        return false;
      };
      while (retryAfter.length < 25) await offer();
      expect(next).toBe(capacity);
      expect(retryAfter.every((v) => v === "2")).toBe(true);
      const paused = await asAlice("GET", `/api/executions/${id}/metrics`);
      expect(paused.body.queue).toMatchObject({ depth: capacity, maxDepth: capacity });
      expect(paused.body.inputsRefused).toBe(25);
      expect(paused.body.nodes.every((n: { messagesIn: number }) => n.messagesIn === 0)).toBe(true);

      // A producer that waits is answered 429 once its bounded wait is over, and its value is not taken.
      const waited = await asAlice("POST", `/api/executions/${id}/inject?wait=true&timeoutMs=200`, { json: { node: "in", value: next } });
      expect(waited.status).toBe(429);
      expect(waited.body.error.details).toMatchObject({ waitedMs: 200, queueDepth: capacity });

      // A waiting producer is let in when room appears.
      const waiting = asAlice("POST", `/api/executions/${id}/inject?wait=true&timeoutMs=5000`, { json: { node: "in", value: next } });
      await eventually(async () => (await asAlice("GET", `/api/executions/${id}/metrics`)).body.queue.waiting === 1, "a waiting producer");
      expect((await asAlice("POST", `/api/executions/${id}/resume`)).body.state).toBe("running");
      const admitted = await waiting;
      expect(admitted.status).toBe(202);
      expect(admitted.body).toMatchObject({ accepted: true, sequence: capacity + 1 });
      expect(admitted.body.waitedMs).toBeGreaterThan(0);
      next++;

      while (next < total) await offer();
      await asAlice("POST", `/api/executions/${id}/end`);
      await settled(id);
      const outputs = await asAlice("GET", `/api/executions/${id}/outputs?limit=100`);
      expect(outputs.body.items).toHaveLength(total / 10);
      expect(outputs.body.items.flatMap((o: { value: number[] }) => o.value)).toEqual(Array.from({ length: total }, (_, i) => i));
      const final = await asAlice("GET", `/api/executions/${id}/metrics`);
      expect(final.body).toMatchObject({ state: "completed", inputsAccepted: total, inputsDiscarded: 0 });
      expect(final.body.queue.maxDepth).toBeLessThanOrEqual(capacity);
      expect(final.body.inputsRefused).toBeGreaterThanOrEqual(26);

      const scrape = await client(runtime.url)("GET", "/metrics");
      const value = (line: RegExp) => Number((scrape.body as string).match(line)?.[1] ?? Number.NaN);
      expect(value(/^runtime_inputs_total\{result="refused"[^}]*\} (\d+)$/m)).toBeGreaterThanOrEqual(26);
      expect(value(/^runtime_inputs_total\{result="accepted"[^}]*\} (\d+)$/m)).toBeGreaterThanOrEqual(total);
      expect(value(/^runtime_messages_in_total\{[^}]*\} (\d+)$/m)).toBeGreaterThanOrEqual(total * 2);
      expect(value(/^runtime_executions_ended_total\{state="completed"[^}]*\} (\d+)$/m)).toBeGreaterThanOrEqual(2);
    });
  });

  describe("GET /api/components", () => {
    it("lists the built-in and code-tool manifests with typed ports and config schemas", async () => {
      const res = await asAlice("GET", "/api/components");
      expect(res.status).toBe(200);
      expect(res.body.items.map((m: { id: string }) => m.id)).toEqual(["passthrough", "filter", "map", "merge", "split", "accumulator", "delay", "code-file", "code-search", "code-bash"]);
      expect(res.body.items.find((m: { id: string }) => m.id === "code-file").config.required).toEqual(["tool"]);
      const map = res.body.items.find((m: { id: string }) => m.id === "map");
      expect(map).toMatchObject({ version: "1.0.0", stateful: false, inputs: [{ name: "in" }], outputs: [{ name: "out" }] });
      expect(map.config.required).toContain("expression");
    });
  });
});
