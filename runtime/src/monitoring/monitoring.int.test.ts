import type { Socket as ClientSocket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ack, client, eventually, socketClient, startIdentity, startRuntime, type IdentityProcess, type TestRuntime, type TestUser } from "../../test/harness.js";
import type { ExecutionStateTelemetry, ExecutionTelemetry, NodeLatencySample } from "../telemetry/telemetry.js";

const graph = {
  nodes: [
    { id: "in", component: "passthrough", config: { schema: { type: "integer" } } },
    { id: "even", component: "filter", config: { expression: "value % 2 === 0", schema: { type: "integer" } } },
  ],
  edges: [{ from: "in.out", to: "even.in" }],
};

/** Records every server event a socket receives, by name. */
function record(socket: ClientSocket) {
  const events: Array<{ event: string; payload: any }> = [];
  socket.onAny((event: string, payload: unknown) => events.push({ event, payload }));
  return {
    events,
    of: (name: string) => events.filter((e) => e.event === name).map((e) => e.payload),
  };
}

describe("monitoring over Socket.IO", () => {
  let identity: IdentityProcess & { superAdmin: TestUser };
  let runtime: TestRuntime;
  let alice: TestUser;
  let bob: TestUser;
  const sockets: ClientSocket[] = [];
  const states: ExecutionStateTelemetry[] = [];
  const latencies: NodeLatencySample[] = [];
  const telemetry: ExecutionTelemetry = { stateChanged: (e) => void states.push(e), nodeLatency: (s) => void latencies.push(s), flush: async () => {} };

  beforeAll(async () => {
    identity = await startIdentity();
    runtime = await startRuntime(identity, { telemetry });
    alice = await identity.registerUser({ orgName: "Alice Co" });
    bob = await identity.registerUser({ orgName: "Bob Co" });
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await runtime?.close();
    await identity?.stop();
  });

  async function connect(user: TestUser, auth: Record<string, unknown> = {}) {
    const socket = await socketClient(runtime.url, user.token, auth);
    sockets.push(socket);
    return socket;
  }

  async function create(options: Record<string, unknown> = {}): Promise<string> {
    const res = await client(runtime.url, alice.token)("POST", "/api/executions", { json: { graph, options: { metricsIntervalMs: 50, emissionSampleEvery: 1, ...options } } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  it("execution:watch relays the execution's state changes, metrics, progress, emissions and outputs", async () => {
    const asAlice = client(runtime.url, alice.token);
    const id = await create();
    const socket = await connect(alice);
    const seen = record(socket);
    const watched = await ack(socket, "execution:watch", { executionId: id });
    expect(watched).toMatchObject({ ok: true, data: { watching: true, execution: { id, state: "pending" } } });

    await asAlice("POST", `/api/executions/${id}/start`);
    for (const n of [1, 2, 3, 4]) await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value: n } });
    await eventually(() => seen.of("execution:output").length === 2, "two outputs");
    await asAlice("POST", `/api/executions/${id}/pause`);
    await asAlice("POST", `/api/executions/${id}/resume`);
    await asAlice("POST", `/api/executions/${id}/end`);
    await eventually(() => seen.of("execution:state").some((s) => s.to === "completed"), "completion");
    await eventually(() => seen.of("execution:metrics").some((m) => m.state === "completed"), "final metrics");

    expect(seen.of("execution:state").map((s) => `${s.from}→${s.to}`)).toEqual(["pending→initializing", "initializing→running", "running→paused", "paused→running", "running→completed"]);
    expect(seen.of("execution:state").every((s) => s.executionId === id)).toBe(true);
    expect(seen.of("execution:output").map((o) => o.value)).toEqual([2, 4]);
    const final = seen.of("execution:metrics").find((m) => m.state === "completed");
    expect(final).toMatchObject({ executionId: id, inputsAccepted: 4, outputs: 2 });
    expect(final.nodes.map((n: { node: string; messagesIn: number; messagesOut: number }) => [n.node, n.messagesIn, n.messagesOut])).toEqual([
      ["in", 4, 4],
      ["even", 4, 2],
    ]);
    expect(seen.of("execution:progress").some((p) => p.node === "even" && p.messagesIn > 0)).toBe(true);
    expect(seen.of("execution:emission").map((e) => `${e.node}.${e.port}=${e.value}`)).toEqual(expect.arrayContaining(["in.out=1", "even.out=2"]));
    // The room closes with the execution: its subscription is gone.
    await eventually(() => runtime.monitor.watched === 0, "the room to close");

    // The telemetry seam saw every state change, the span at the end, and node latency.
    const mine = states.filter((s) => s.executionId === id);
    expect(mine.map((s) => s.to)).toEqual(["initializing", "running", "paused", "running", "completed"]);
    expect(mine.at(-1)?.span).toMatchObject({ name: "runtime.execution", status: "ok", metrics: { inputsAccepted: 4 } });
    expect(mine[0]).toMatchObject({ orgId: alice.orgId, createdBy: alice.principal.id, graphRef: null, traceId: expect.any(String) });
    expect(latencies.some((l) => l.executionId === id && l.node === "even" && l.count > 0)).toBe(true);
  });

  it("answers a watch of another org's execution with a not_found error ack, and relays nothing to it", async () => {
    const id = await create();
    const intruder = await connect(bob);
    const seen = record(intruder);
    const denied = await ack(intruder, "execution:watch", { executionId: id });
    expect(denied).toMatchObject({ ok: false, error: { code: "not_found" } });
    const asOtherOrg = await ack(intruder, "execution:watch", { executionId: id, orgId: alice.orgId });
    expect(asOtherOrg).toMatchObject({ ok: false, error: { code: "forbidden" } });
    await client(runtime.url, alice.token)("POST", `/api/executions/${id}/start`);
    await client(runtime.url, alice.token)("POST", `/api/executions/${id}/cancel`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.events).toEqual([]);
  });

  it("refuses a connection without credentials and a watch with a malformed payload", async () => {
    await expect(socketClient(runtime.url)).rejects.toMatchObject({ message: "unauthenticated" });
    const socket = await connect(alice);
    const bad = await ack(socket, "execution:watch", { executionId: "nope" });
    expect(bad).toMatchObject({ ok: false, error: { code: "validation_failed" } });
    expect((bad as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues[0]?.path).toBe("payload.executionId");
  });

  it("stops relaying after execution:unwatch and when the last watcher disconnects", async () => {
    const asAlice = client(runtime.url, alice.token);
    const id = await create({ metricsIntervalMs: 0 });
    await asAlice("POST", `/api/executions/${id}/start`);
    const first = await connect(alice);
    const second = await connect(alice);
    const firstSeen = record(first);
    expect((await ack(first, "execution:watch", { executionId: id })).ok).toBe(true);
    expect((await ack(second, "execution:watch", { executionId: id })).ok).toBe(true);
    expect(runtime.monitor.watched).toBe(1);

    expect(await ack(first, "execution:unwatch", { executionId: id })).toEqual({ ok: true, data: { watching: false } });
    await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value: 2 } });
    await asAlice("POST", `/api/executions/${id}/pause`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(firstSeen.events).toEqual([]);
    expect(runtime.monitor.watched).toBe(1);

    second.close();
    await eventually(() => runtime.monitor.watched === 0, "the subscription to go with the last watcher");
    await asAlice("POST", `/api/executions/${id}/cancel`);

    const ended = await ack(first, "execution:watch", { executionId: id });
    expect(ended).toMatchObject({ ok: true, data: { watching: false, execution: { state: "cancelled" }, metrics: { state: "cancelled" } } });
  });
});
