import { spawnIdentity, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import type { RelayClient } from "@symbia/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, Nodes, pause, registerAgent, startNetwork, type Inbox, type TestAgent, type TestNetwork } from "./harness.js";

// Every policy action, end to end: a real sender, a real receiver, the network between them.
let identity: IdentityProcess;
let network: TestNetwork;
let admin: TestUser;
let owner: TestUser;
let agents: { sender: TestAgent; receiver: TestAgent; other: TestAgent };
let sender: RelayClient;
let receiver: { client: RelayClient; inbox: Inbox };
let other: { client: RelayClient; inbox: Inbox };
const nodes = new Nodes(() => network);

beforeAll(async () => {
  identity = await spawnIdentity();
  network = await startNetwork(identity);
  admin = await identity.registerUser(); // super admin
  owner = await identity.registerUser();
  const [a, b, c] = (await Promise.all(["sender", "receiver", "other"].map((n) => registerAgent(identity, owner, n)))) as [TestAgent, TestAgent, TestAgent];
  agents = { sender: a, receiver: b, other: c };
  sender = nodes.relay({ nodeId: a.agentId, type: "assistant", credentials: a.login });
  receiver = nodes.receiver({ nodeId: b.agentId, type: "assistant", credentials: b.login });
  other = nodes.receiver({ nodeId: c.agentId, type: "assistant", credentials: c.login });
  await Promise.all([sender.ready(), receiver.client.ready(), other.client.ready()]);
  for (const to of [b.agentId, c.agentId]) {
    const res = await api(network, "/api/contracts", { token: owner.token, json: { from: a.agentId, to, allowedEventTypes: ["act.*"], boundaries: ["intra"] } });
    expect(res.status).toBe(201);
  }
}, 90_000);
afterAll(async () => {
  await nodes.closeAll();
  await network?.close();
  await identity?.stop();
});

async function policy(body: Record<string, unknown>, token = owner.token) {
  const res = await api(network, "/api/policies", { token, json: body });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}
const onType = (value: string) => [{ field: "type", op: "eq", value }];
const emit = (type: string, data: unknown = { n: 1 }, runId = `run-${type}`) => sender.emit(type, data, { target: agents.receiver.agentId, runId });
const received = (inbox: Inbox, type: string) => inbox.events.filter((e) => e.type === type);
async function trace(runId: string) {
  const res = await api(network, `/api/sdn/traces/${runId}`, { token: owner.token });
  expect(res.status).toBe(200);
  return res.body.traces[0] as { status: string; hops: Array<{ action: string; policyId?: string; outcome?: string; detail?: string }> };
}

describe("policy actions", () => {
  it("deny blocks the event and the trace names the policy and its reason", async () => {
    const p = await policy({ name: "no deny events", conditions: onType("act.deny"), action: { type: "deny", reason: "not on my watch" } });
    expect(await emit("act.deny")).toMatchObject({ status: "denied", reasonCode: "policy_denied", reason: "not on my watch" });
    await pause(300);
    expect(received(receiver.inbox, "act.deny")).toHaveLength(0);
    expect((await trace("run-act.deny")).hops.find((h) => h.action === "deny")).toMatchObject({ policyId: p.id, outcome: "denied", detail: "not on my watch" });
  });

  it("route redirects the event to another node", async () => {
    const p = await policy({ name: "reroute", conditions: onType("act.route"), action: { type: "route", to: agents.other.agentId } });
    expect(await emit("act.route")).toMatchObject({ status: "delivered", deliveredTo: [agents.other.agentId] });
    await other.inbox.waitFor(1);
    expect(received(other.inbox, "act.route")).toHaveLength(1);
    expect(received(receiver.inbox, "act.route")).toHaveLength(0);
    expect((await trace("run-act.route")).hops.find((h) => h.action === "route")).toMatchObject({ policyId: p.id, outcome: "routed", detail: `${agents.receiver.agentId} → ${agents.other.agentId}` });
  });

  it("transform changes the delivered payload (set, remove, rename), and the history keeps the delivered form", async () => {
    await policy({
      name: "redact",
      conditions: onType("act.transform"),
      action: { type: "transform", operations: [{ op: "set", path: "meta.redacted", value: true }, { op: "remove", path: "card" }, { op: "rename", from: "name", to: "customer.name" }] },
    });
    expect(await emit("act.transform", { name: "Ann", card: "4111 1111 1111 1111", keep: 1 })).toMatchObject({ status: "delivered" });
    // The verdict comes once the receiver acknowledged, i.e. after its handler ran.
    expect(received(receiver.inbox, "act.transform")[0]!.data).toEqual({ keep: 1, meta: { redacted: true }, customer: { name: "Ann" } });
    const history = await api(network, "/api/events?type=act.transform", { token: owner.token });
    expect(history.body.items[0].data).toEqual({ keep: 1, meta: { redacted: true }, customer: { name: "Ann" } });
  });

  it("log records the event in the network's log at its level and in the trace, and lets it pass", async () => {
    const p = await policy({ name: "audit", conditions: onType("act.log"), action: { type: "log", level: "warn", message: "audit act.log" } });
    expect(await emit("act.log")).toMatchObject({ status: "delivered" });
    expect((await trace("run-act.log")).hops.find((h) => h.action === "log")).toMatchObject({ policyId: p.id, outcome: "logged", detail: "warn: audit act.log" });
    const line = network.logs.find((l) => l.msg === "policy log: audit act.log");
    expect(line).toMatchObject({ level: "warn", policyId: p.id, type: "act.log", source: agents.sender.agentId });
  });

  it("allow passes the event and stops the evaluation: a lower deny is never reached", async () => {
    const allow = await policy({ name: "allow", priority: 10, conditions: onType("act.allow"), action: { type: "allow" } });
    const deny = await policy({ name: "deny below", priority: 0, conditions: onType("act.allow"), action: { type: "deny", reason: "unreachable" } });
    expect(await emit("act.allow")).toMatchObject({ status: "delivered" });
    const hops = (await trace("run-act.allow")).hops;
    expect(hops.find((h) => h.policyId === allow.id)).toMatchObject({ action: "allow", outcome: "allowed" });
    expect(hops.some((h) => h.policyId === deny.id)).toBe(false);
  });
});

describe("evaluation order", () => {
  it("runs higher priority first: the later transform wins, and swapping priorities swaps the result", async () => {
    const first = await policy({ name: "step first", priority: 5, conditions: onType("act.order"), action: { type: "transform", operations: [{ op: "set", path: "step", value: "first" }] } });
    await policy({ name: "step second", priority: 1, conditions: onType("act.order"), action: { type: "transform", operations: [{ op: "set", path: "step", value: "second" }] } });
    await emit("act.order", {}, "run-order-1");
    await pause(100);
    expect(received(receiver.inbox, "act.order").map((e) => e.data)).toEqual([{ step: "second" }]);
    expect((await api(network, `/api/policies/${first.id}`, { method: "PATCH", token: owner.token, json: { priority: 0 } })).status).toBe(200);
    await emit("act.order", {}, "run-order-2");
    await pause(100);
    expect(received(receiver.inbox, "act.order").map((e) => e.data)).toEqual([{ step: "second" }, { step: "first" }]);
  });

  it("runs platform policies before the org's, whatever the org's priority", async () => {
    await policy({ name: "org allows", priority: 10_000, conditions: onType("act.tier"), action: { type: "allow" } });
    const platform = await policy({ name: "platform denies", platform: true, priority: -10_000, conditions: onType("act.tier"), action: { type: "deny", reason: "platform rule" } }, admin.token);
    expect(await emit("act.tier")).toMatchObject({ status: "denied", reason: "platform rule" });
    expect((await trace("run-act.tier")).hops.find((h) => h.action === "deny")?.policyId).toBe(platform.id);
    // An org admin cannot create (or delete) platform policies.
    expect((await api(network, "/api/policies", { token: owner.token, json: { name: "x", platform: true, action: { type: "allow" } } })).status).toBe(403);
    expect((await api(network, `/api/policies/${platform.id}`, { method: "DELETE", token: owner.token })).status).toBe(403);
  });
});

describe("dry runs", () => {
  it("POST /api/policies/test decides with draft policies, delivers nothing and records nothing", async () => {
    const before = (await api(network, "/api/events/stats", { token: owner.token })).body.total;
    const res = await api(network, "/api/policies/test", {
      token: owner.token,
      json: {
        event: { type: "act.dry", source: agents.sender.agentId, target: agents.receiver.agentId },
        policies: [
          { name: "log it", priority: 5, action: { type: "log", level: "info" } },
          { name: "block it", priority: 1, conditions: [{ field: "type", op: "prefix", value: "act." }], action: { type: "deny", reason: "draft says no" } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: "deny", reasonCode: "policy_denied", reason: "draft says no" });
    expect(res.body.path.map((s: { policyId: string; outcome: string }) => [s.policyId, s.outcome])).toEqual([["draft:0", "logged"], ["draft:1", "denied"]]);
    await pause(200);
    expect(received(receiver.inbox, "act.dry")).toHaveLength(0);
    expect((await api(network, "/api/events/stats", { token: owner.token })).body.total).toBe(before);
  });

  it("POST /api/sdn/simulate answers what the live network would do", async () => {
    const delivered = await api(network, "/api/sdn/simulate", { token: owner.token, json: { event: { type: "act.route", source: agents.sender.agentId, target: agents.receiver.agentId } } });
    expect(delivered.body).toMatchObject({ outcome: "deliver", targets: [agents.other.agentId] });
    const denied = await api(network, "/api/sdn/simulate", { token: owner.token, json: { event: { type: "other.thing", source: agents.sender.agentId, target: agents.receiver.agentId } } });
    expect(denied.body).toMatchObject({ outcome: "deny", reasonCode: "type_not_allowed" });
    expect(denied.body.event.principal.id).toBe(owner.principal.id);
  });
});
