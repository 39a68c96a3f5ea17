import { spawnIdentity, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import { runWithContext } from "@symbia/http";
import { createEnvelope, decodeNodeKey, defineHandler, deriveNodeKey, signEnvelope, type RelayClient, type SignedEnvelope } from "@symbia/relay";
import { z } from "zod";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, freePort, Nodes, pause, registerAgent, startNetwork, type Inbox, type TestAgent, type TestNetwork } from "./harness.js";

// Real identity (child process, joining the network as its first node), real network, real sockets.
let identity: IdentityProcess;
let network: TestNetwork;
let owner: TestUser;
let alpha: TestAgent;
let beta: TestAgent;
let gamma: TestAgent;
let sender: RelayClient;
let receiver: { client: RelayClient; inbox: Inbox };
const nodes = new Nodes(() => network);

beforeAll(async () => {
  const port = await freePort();
  identity = await spawnIdentity({ IDENTITY_JOIN_NETWORK: "true", NETWORK_SERVICE_URL: `http://127.0.0.1:${port}` });
  network = await startNetwork(identity, { port });
  await identity.registerUser(); // the first user is the super admin
  owner = await identity.registerUser();
  [alpha, beta, gamma] = (await Promise.all(["alpha", "beta", "gamma"].map((n) => registerAgent(identity, owner, n)))) as [TestAgent, TestAgent, TestAgent];
  sender = nodes.relay({ nodeId: alpha.agentId, type: "assistant", credentials: alpha.login });
  receiver = nodes.receiver({ nodeId: beta.agentId, type: "assistant", credentials: beta.login });
  await Promise.all([sender.ready(), receiver.client.ready()]);
}, 90_000);
afterAll(async () => {
  await nodes.closeAll();
  await network?.close();
  await identity?.stop();
});

async function contract(from: string, to: string, allowedEventTypes: string[], extra: Record<string, unknown> = {}) {
  const res = await api(network, "/api/contracts", { token: owner.token, json: { from, to, allowedEventTypes, boundaries: ["intra"], ...extra } });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

async function traces(runId: string) {
  const res = await api(network, `/api/sdn/traces/${runId}`, { token: owner.token });
  expect(res.status).toBe(200);
  return res.body.traces as Array<{ eventId: string; status: string; reasonCode: string | null; reason: string | null; hops: Array<{ node: string; action: string; outcome?: string; durationMs: number; detail?: string }> }>;
}

describe("two relay clients under a contract", () => {
  it("deliver signed events both ways, each verified by the receiver, with a trace of every hop", async () => {
    await contract(alpha.agentId, beta.agentId, ["chat.*"]);
    await contract(beta.agentId, alpha.agentId, ["chat.reply"]);
    const back = nodes.receiver({ nodeId: alpha.agentId, type: "assistant", credentials: alpha.login });
    await back.client.ready();

    const sent = await sender.emit("chat.hello", { text: "hi" }, { target: beta.agentId, runId: "run-exchange" });
    expect(sent).toMatchObject({ queued: false, status: "delivered", deliveredTo: [beta.agentId] });
    const [hello] = await receiver.inbox.waitFor(1);
    expect(hello).toMatchObject({ type: "chat.hello", source: alpha.agentId, orgId: owner.orgId, data: { text: "hi" }, principal: { id: alpha.agentId, type: "agent", entityId: alpha.entityId } });

    const reply = await receiver.client.emit("chat.reply", { text: "hello" }, { target: alpha.agentId, runId: "run-exchange", causedBy: hello!.id });
    expect(reply).toMatchObject({ status: "delivered", deliveredTo: [alpha.agentId] });
    // alpha has two sockets (sender and back): one-of-N delivery, so exactly one of them got it.
    await eventually(() => back.inbox.events.length + sender.status().received === 1, 5_000, "the reply");
    expect(receiver.client.status()).toMatchObject({ received: 1, rejected: {} });

    const [first, second] = await traces("run-exchange");
    expect(first!.status).toBe("delivered");
    expect(first!.hops.map((h) => h.action)).toEqual(["receive", "verify", "contract", "deliver"]);
    expect(first!.hops[0]!.node).toBe(alpha.agentId);
    expect(first!.hops[3]).toMatchObject({ node: beta.agentId, outcome: "delivered", detail: "socket" });
    expect(first!.hops.every((h) => h.durationMs >= 0)).toBe(true);
    expect(second!.eventId).toBe(reply.eventId);
  });

  it("delivers nothing once the contract is deleted, and the trace says no_contract", async () => {
    // A pair of its own, so that no other contract between them can be the closest miss.
    const [delta, epsilon] = (await Promise.all(["delta", "epsilon"].map((n) => registerAgent(identity, owner, n)))) as [TestAgent, TestAgent];
    const from = nodes.relay({ nodeId: delta.agentId, type: "assistant", credentials: delta.login });
    const to = nodes.receiver({ nodeId: epsilon.agentId, type: "assistant", credentials: epsilon.login });
    await Promise.all([from.ready(), to.client.ready()]);
    const c = await contract(delta.agentId, epsilon.agentId, ["doc.*"]);
    expect(await from.emit("doc.shared", { n: 1 }, { target: epsilon.agentId, runId: "run-deleted" })).toMatchObject({ status: "delivered" });
    await to.inbox.waitFor(1);
    expect((await api(network, `/api/contracts/${c.id}`, { method: "DELETE", token: owner.token })).status).toBe(204);

    const refused = await from.emit("doc.shared", { n: 2 }, { target: epsilon.agentId, runId: "run-deleted" });
    expect(refused).toMatchObject({ status: "denied", reasonCode: "no_contract", deliveredTo: [] });
    await pause(300);
    expect(to.inbox.events.map((e) => e.data)).toEqual([{ n: 1 }]);
    const [, denied] = await traces("run-deleted");
    expect(denied).toMatchObject({ status: "denied", reasonCode: "no_contract", reason: `no contract from ${delta.agentId} to ${epsilon.agentId}` });
    expect(denied!.hops.find((h) => h.action === "contract")).toMatchObject({ outcome: "no_contract" });
  });

  it("delivers nothing once the contract expired, and the trace says contract_expired", async () => {
    const c = await contract(alpha.agentId, beta.agentId, ["task.*"]);
    expect(await sender.emit("task.assigned", { n: 1 }, { target: beta.agentId, runId: "run-expired" })).toMatchObject({ status: "delivered" });
    const past = new Date(Date.now() - 1_000).toISOString();
    expect((await api(network, `/api/contracts/${c.id}`, { method: "PATCH", token: owner.token, json: { expiresAt: past } })).body.expiresAt).toBe(past);

    const refused = await sender.emit("task.assigned", { n: 2 }, { target: beta.agentId, runId: "run-expired" });
    expect(refused).toMatchObject({ status: "denied", reasonCode: "contract_expired" });
    await pause(300);
    expect(receiver.inbox.events.filter((e) => e.type === "task.assigned").map((e) => e.data)).toEqual([{ n: 1 }]);
    const [, denied] = await traces("run-expired");
    expect(denied!.reason).toContain(`contract ${c.id} expired`);
  });
});

describe("trace context", () => {
  it("carries the current request's trace id and org into emitted events, and handlers answer within the event's trace", async () => {
    const [zeta, eta] = (await Promise.all(["zeta", "eta"].map((n) => registerAgent(identity, owner, n)))) as [TestAgent, TestAgent];
    await contract(zeta.agentId, eta.agentId, ["ask.*"]);
    await contract(eta.agentId, zeta.agentId, ["ask.*"]);
    const asker = nodes.receiver({ nodeId: zeta.agentId, type: "assistant", credentials: zeta.login });
    const answerer = nodes.relay({
      nodeId: eta.agentId,
      type: "assistant",
      credentials: eta.login,
      // No traceId given: the answer continues the trace of the event being handled.
      handlers: { "ask.question": defineHandler(z.object({ q: z.string() }), async (event, { client }) => void (await client.emit("ask.answer", { a: event.data.q.toUpperCase() }, { target: event.source, causedBy: event.id }))) },
    });
    await Promise.all([asker.client.ready(), answerer.ready()]);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const sent = await runWithContext({ requestId: "req-1", traceId, spanId: "00f067aa0ba902b7", orgId: owner.orgId }, () => asker.client.emit("ask.question", { q: "why" }, { target: eta.agentId }));
    expect(sent).toMatchObject({ status: "delivered" });
    const [answer] = await asker.inbox.waitFor(1);
    expect(answer).toMatchObject({ type: "ask.answer", traceId, causedBy: sent.eventId, orgId: owner.orgId, data: { a: "WHY" } });
  });
});

describe("entity binding", () => {
  it("routes an event addressed to an entity to the node holding it, and records the binding in identity", async () => {
    await contract(alpha.agentId, beta.agentId, ["note.*"]);
    const before = receiver.inbox.events.length;
    const sent = await sender.emit("note.left", { text: "for whoever holds beta" }, { target: beta.entityId, runId: "run-entity" });
    expect(sent).toMatchObject({ status: "delivered", deliveredTo: [beta.agentId] });
    await receiver.inbox.waitFor(before + 1);
    const [trace] = await traces("run-entity");
    expect(trace!.hops.find((h) => h.action === "resolve")).toMatchObject({ outcome: "resolved", detail: `${beta.entityId} → ${beta.agentId}` });
    const entity = await eventually(async () => {
      const res = await identity.call(`/api/entities/${beta.entityId}`, { token: owner.token });
      return res.body.nodeId === beta.agentId ? res.body : null;
    }, 5_000, "identity's directory to show the binding");
    expect(entity.boundAt).not.toBeNull();
  });

  it("lets a non-service node bind only its own entity", async () => {
    await expect(sender.bind(beta.entityId)).rejects.toMatchObject({ code: "forbidden" });
    await expect(sender.bind(alpha.entityId)).resolves.toMatchObject({ entityId: alpha.entityId, nodeId: alpha.agentId });
  });

  it("answers unrouted for an entity no node holds", async () => {
    await receiver.client.unbind(beta.entityId);
    const sent = await sender.emit("note.left", { text: "nobody" }, { target: beta.entityId });
    expect(sent).toMatchObject({ status: "unrouted", reasonCode: "unbound_entity" });
    await receiver.client.bind(beta.entityId);
  });
});

describe("verification at the door", () => {
  let socket: Socket;
  let key: Buffer;
  const envelope = (overrides: Partial<SignedEnvelope> = {}) =>
    createEnvelope({
      type: "probe.sent",
      source: gamma.agentId,
      target: beta.agentId,
      runId: "run-probe",
      traceId: "0af7651916cd43dd8448eb211c80319c",
      orgId: owner.orgId,
      boundary: "intra",
      principal: { id: gamma.agentId, type: "agent", entityId: gamma.entityId },
      data: { text: "hello" },
      ...overrides,
    });
  const send = async (signed: unknown) => (await socket.timeout(5_000).emitWithAck("event:send", signed)) as { ok: boolean; data: { status: string; reasonCode: string | null } };
  let heartbeats: NodeJS.Timeout;

  beforeAll(async () => {
    await contract(gamma.agentId, beta.agentId, ["probe.*"]);
    socket = await nodes.socket(await gamma.login.getToken());
    const registered = await socket.emitWithAck("node:register", { nodeId: gamma.agentId, type: "assistant" });
    expect(registered.ok).toBe(true);
    key = decodeNodeKey(registered.data.key);
    // A raw node heartbeats by hand, or the network removes it after the (short, test) timeout.
    heartbeats = setInterval(() => socket.emit("node:heartbeat", {}, () => undefined), registered.data.heartbeatIntervalMs);
    // The key handed over is the HKDF of the network secret for this node, and no other node's.
    expect(key.equals(deriveNodeKey(network.env.NETWORK_HASH_SECRET!, gamma.agentId))).toBe(true);
  });

  afterAll(() => clearInterval(heartbeats));

  it("refuses and counts tampered, foreign-keyed, replayed, stale and future events, delivering none", async () => {
    const before = receiver.inbox.events.filter((e) => e.type === "probe.sent").length;
    const valid = signEnvelope(envelope(), key);
    expect((await send(valid)).data).toMatchObject({ status: "delivered" });

    const tampered = { ...valid, data: { text: "hellp" } }; // one byte of data changed
    const foreign = signEnvelope(envelope(), deriveNodeKey(network.env.NETWORK_HASH_SECRET!, beta.agentId));
    const stale = signEnvelope(envelope({ timestamp: new Date(Date.now() - 61_000).toISOString() }), key);
    const future = signEnvelope(envelope({ timestamp: new Date(Date.now() + 30_000).toISOString() }), key);
    const outcomes = {
      tampered: await send(tampered),
      foreign: await send(foreign),
      replayed: await send(valid),
      stale: await send(stale),
      future: await send(future),
    };
    expect(Object.fromEntries(Object.entries(outcomes).map(([k, v]) => [k, [v.data.status, v.data.reasonCode]]))).toEqual({
      tampered: ["dropped", "bad_signature"],
      foreign: ["dropped", "bad_signature"],
      replayed: ["dropped", "replayed"],
      stale: ["dropped", "expired"],
      future: ["dropped", "future_timestamp"],
    });
    await pause(300);
    expect(receiver.inbox.events.filter((e) => e.type === "probe.sent").length).toBe(before + 1);

    const stats = await api(network, "/api/events/stats", { token: owner.token });
    expect(stats.body.rejected).toMatchObject({ bad_signature: 2, replayed: 1, expired: 1, future_timestamp: 1 });
    const metrics = await (await fetch(`${network.url}/metrics`)).text();
    const count = (reason: string) => Number(new RegExp(`network_events_rejected_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`).exec(metrics)?.[1]);
    expect([count("bad_signature"), count("replayed"), count("expired"), count("future_timestamp")]).toEqual([2, 1, 1, 1]);
  });

  it("refuses another node's source, another principal and another org, and counts each", async () => {
    const asBeta = signEnvelope(envelope({ source: beta.agentId, target: gamma.agentId, principal: { id: beta.agentId, type: "agent", entityId: beta.entityId } }), deriveNodeKey(network.env.NETWORK_HASH_SECRET!, beta.agentId));
    const otherPrincipal = signEnvelope(envelope({ principal: { id: alpha.agentId, type: "agent", entityId: alpha.entityId } }), key);
    const otherOrg = signEnvelope(envelope({ orgId: "org-somebody-else" }), key);
    expect((await send(asBeta)).data).toMatchObject({ status: "dropped", reasonCode: "unknown_source" });
    expect((await send(otherPrincipal)).data).toMatchObject({ status: "dropped", reasonCode: "principal_not_allowed" });
    expect((await send(otherOrg)).data).toMatchObject({ status: "dropped", reasonCode: "org_not_allowed" });
    const stats = await api(network, "/api/events/stats", { token: owner.token });
    expect(stats.body.rejected).toMatchObject({ unknown_source: 1, principal_not_allowed: 1, org_not_allowed: 1 });
    const refused = await api(network, "/api/events?status=dropped&limit=200", { token: owner.token });
    expect(refused.body.items.every((e: { orgId: string }) => e.orgId === owner.orgId)).toBe(true);
  });
});

describe("identity, the first node", () => {
  it("joins the network as service:identity, and platform health shows it", async () => {
    await eventually(async () => {
      const res = await api(network, "/api/sdn/topology", { token: owner.token });
      return res.body.nodes.some((n: { id: string; status: string }) => n.id === "service:identity" && n.status === "online");
    }, 15_000, "identity's node");
    const ready = (await (await fetch(`${identity.url}/health/ready`)).json()) as { relay: { registered: boolean } };
    expect(ready.relay.registered).toBe(true);
    const health = await api(network, "/api/platform/health", { token: owner.token });
    expect(health.status).toBe(200);
    const byId = Object.fromEntries(health.body.services.map((s: { service: string }) => [s.service, s]));
    expect(byId.identity).toMatchObject({ status: "ready", httpStatus: 200, node: { id: "service:identity", status: "online" } });
    expect(byId.catalog).toMatchObject({ status: "unreachable", node: null });
    expect(health.body.status).toBe("degraded");
    expect(health.body.services).toHaveLength(9);
  });
});
