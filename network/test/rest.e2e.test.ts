import { spawnIdentity, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import type { RelayClient } from "@symbia/relay";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { networkEvents } from "../src/db/schema.js";
import { api, Nodes, registerAgent, startNetwork, type Inbox, type TestAgent, type TestNetwork } from "./harness.js";

// The REST API: tenancy, validation, entitlements, history, flows, topology, docs.
let identity: IdentityProcess;
let network: TestNetwork;
let admin: TestUser;
let ownerA: TestUser;
let ownerB: TestUser;
let viewerA: TestUser;
let a1: TestAgent;
let a2: TestAgent;
let one: RelayClient;
let two: { client: RelayClient; inbox: Inbox };
let contractA: { id: string };
let policyA: { id: string };
const nodes = new Nodes(() => network);

beforeAll(async () => {
  identity = await spawnIdentity();
  network = await startNetwork(identity);
  admin = await identity.registerUser(); // super admin
  ownerA = await identity.registerUser();
  ownerB = await identity.registerUser();
  viewerA = await identity.registerUser({ orgName: null });
  expect((await identity.call(`/api/orgs/${ownerA.orgId}/members`, { token: ownerA.token, json: { email: viewerA.email, role: "viewer" } })).status).toBe(201);
  viewerA = { ...viewerA, token: (await identity.call("/api/auth/login", { json: { email: viewerA.email, password: "correct-Horse-battery-9" } })).body.accessToken };
  [a1, a2] = (await Promise.all(["one", "two"].map((n) => registerAgent(identity, ownerA, n)))) as [TestAgent, TestAgent];
  contractA = (await api(network, "/api/contracts", { token: ownerA.token, json: { from: a1.agentId, to: a2.agentId, allowedEventTypes: ["rest.*"], boundaries: ["intra"] } })).body;
  await api(network, "/api/contracts", { token: ownerA.token, json: { from: a2.agentId, to: a1.agentId, allowedEventTypes: ["rest.reply"], boundaries: ["intra"] } });
  policyA = (await api(network, "/api/policies", { token: ownerA.token, json: { name: "log rest", conditions: [{ field: "type", op: "prefix", value: "rest." }], action: { type: "log", level: "debug" } } })).body;
  one = nodes.relay({ nodeId: a1.agentId, type: "assistant", credentials: a1.login });
  two = nodes.receiver({ nodeId: a2.agentId, type: "assistant", credentials: a2.login });
  await Promise.all([one.ready(), two.client.ready()]);
  const ping = await one.emit("rest.ping", { hello: "world" }, { target: a2.agentId, runId: "run-rest" });
  await one.emit("rest.pii", { email: "ann@example.com" }, { target: a2.agentId, runId: "run-rest", dataClass: "pii" });
  await one.emit("rest.secret", { apiKey: "s3cr3t" }, { target: a2.agentId, runId: "run-rest", dataClass: "secret" });
  await two.client.emit("rest.reply", { ok: true }, { target: a1.agentId, runId: "run-rest", causedBy: ping.eventId });
}, 90_000);
afterAll(async () => {
  await nodes.closeAll();
  await network?.close();
  await identity?.stop();
});

describe("tenancy", () => {
  it("answers 404 for another org's contract, policy, run and node", async () => {
    const asB = (path: string, init: { method?: string; json?: unknown } = {}) => api(network, path, { token: ownerB.token, ...init });
    expect((await asB(`/api/contracts/${contractA.id}`)).status).toBe(404);
    expect((await asB(`/api/contracts/${contractA.id}`, { method: "PATCH", json: { description: "mine now" } })).status).toBe(404);
    expect((await asB(`/api/contracts/${contractA.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await asB(`/api/policies/${policyA.id}`)).status).toBe(404);
    expect((await asB(`/api/policies/${policyA.id}`, { method: "PATCH", json: { enabled: false } })).status).toBe(404);
    expect((await asB("/api/sdn/traces/run-rest")).status).toBe(404);
    expect((await asB("/api/sdn/flow/run-rest")).status).toBe(404);
    expect((await asB("/api/events")).body.items).toEqual([]);
    const topologyB = (await asB("/api/sdn/topology")).body;
    expect(topologyB.nodes.map((n: { id: string }) => n.id)).not.toContain(a1.agentId);
    expect(topologyB.contracts.map((c: { id: string }) => c.id)).not.toContain(contractA.id);
    expect((await api(network, `/api/nodes/${a1.agentId}`, { token: admin.token, orgId: ownerB.orgId })).status).toBe(404);
    // Unchanged for its owner.
    expect((await api(network, `/api/contracts/${contractA.id}`, { token: ownerA.token })).body.description).toBeNull();
  });

  it("shows an org's node with its connections and bindings to a node administrator of that org", async () => {
    const res = await api(network, `/api/nodes/${a1.agentId}`, { token: admin.token, orgId: ownerA.orgId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: a1.agentId, type: "assistant", orgId: ownerA.orgId, status: "online", connections: 1, bindings: [{ entityId: a1.entityId, nodeId: a1.agentId }] });
    const list = await api(network, "/api/nodes", { token: admin.token, orgId: ownerA.orgId });
    expect(list.body.items.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining([a1.agentId, a2.agentId]));
  });
});

describe("validation", () => {
  it("answers 400 with the failing paths and stores nothing", async () => {
    const count = async () => (await api(network, "/api/contracts?limit=200", { token: ownerA.token })).body.items.length;
    const before = await count();
    const badContract = await api(network, "/api/contracts", { token: ownerA.token, json: { from: "type/robot", to: "*", allowedEventTypes: [], boundaries: ["intra", "intra"] } });
    expect(badContract.status).toBe(400);
    expect(badContract.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(["body.allowedEventTypes", "body.boundaries", "body.from"]);
    expect(await count()).toBe(before);

    const unsafe = await api(network, "/api/policies", { token: ownerA.token, json: { name: "slow", conditions: [{ field: "source", op: "regex", value: "^(a+)+$" }], action: { type: "allow" } } });
    expect(unsafe.status).toBe(400);
    expect(unsafe.body.error.details.issues).toEqual([expect.objectContaining({ path: "body.conditions.0.value", code: "unsafe_regex" })]);
    expect((await api(network, `/api/policies/${policyA.id}`, { method: "PATCH", token: ownerA.token, json: {} })).status).toBe(400);
    expect((await api(network, "/api/policies", { token: ownerA.token, json: { name: "x", action: { type: "eval", code: "1" } } })).status).toBe(400);
    expect((await api(network, "/api/events?limit=0", { token: ownerA.token })).status).toBe(400);
    expect((await api(network, "/api/events?cursor=abc", { token: ownerA.token })).status).toBe(400);
    expect((await api(network, "/api/contracts?cursor=nope", { token: ownerA.token })).status).toBe(400);
    expect((await api(network, "/api/sdn/traces/run%20with%20spaces", { token: ownerA.token })).status).toBe(400);
    const otherOrg = await api(network, "/api/sdn/simulate", { token: ownerA.token, json: { event: { type: "rest.ping", source: a1.agentId, orgId: ownerB.orgId } } });
    expect(otherOrg.status).toBe(400);
    expect(otherOrg.body.error.details.issues[0].path).toBe("body.event.orgId");
  });
});

describe("entitlements", () => {
  it("answers 401 without a token and 403 without the entitlement", async () => {
    expect((await api(network, "/api/sdn/topology")).status).toBe(401);
    expect((await api(network, "/api/sdn/topology", { token: viewerA.token })).status).toBe(200);
    expect((await api(network, "/api/contracts", { token: viewerA.token, json: { from: "*", to: "*", allowedEventTypes: ["*"], boundaries: ["intra"] } })).status).toBe(403);
    expect((await api(network, "/api/policies", { token: viewerA.token, json: { name: "x", action: { type: "allow" } } })).status).toBe(403);
    expect((await api(network, "/api/events", { token: await a1.login.getToken() })).status).toBe(403);
    expect((await api(network, "/api/nodes", { token: ownerA.token })).status).toBe(403);
    expect((await api(network, "/api/contracts", { token: ownerA.token, json: { platform: true, from: "*", to: "*", allowedEventTypes: ["*"], boundaries: ["intra"] } })).status).toBe(403);
  });
});

describe("history, traces, flows, topology", () => {
  it("lists the org's events newest first with filters, and shows payloads only to those entitled", async () => {
    const all = await api(network, "/api/events?runId=run-rest", { token: ownerA.token });
    expect(all.body.items.map((e: { type: string }) => e.type)).toEqual(["rest.reply", "rest.secret", "rest.pii", "rest.ping"]);
    const byType = Object.fromEntries(all.body.items.map((e: { type: string }) => [e.type, e]));
    expect(byType["rest.ping"].data).toEqual({ hello: "world" });
    expect("data" in byType["rest.pii"]).toBe(false);
    expect("data" in byType["rest.secret"]).toBe(false);
    const asAdmin = await api(network, "/api/events?runId=run-rest", { token: admin.token, orgId: ownerA.orgId });
    const adminByType = Object.fromEntries(asAdmin.body.items.map((e: { type: string }) => [e.type, e]));
    expect(adminByType["rest.pii"].data).toEqual({ email: "ann@example.com" });
    expect("data" in adminByType["rest.secret"]).toBe(false);
    // Secret payloads are not even kept.
    const [row] = await network.database.db.select({ data: networkEvents.data }).from(networkEvents).where(eq(networkEvents.type, "rest.secret"));
    expect(row).toEqual({ data: null });

    const filtered = await api(network, `/api/events?type=rest.reply&source=${a2.agentId}`, { token: ownerA.token });
    expect(filtered.body.items).toHaveLength(1);
    const page1 = await api(network, "/api/events?limit=2", { token: ownerA.token });
    const page2 = await api(network, `/api/events?limit=2&cursor=${page1.body.nextCursor}`, { token: ownerA.token });
    expect(page2.body.items[0].eventId).not.toBe(page1.body.items[1].eventId);
    const stats = await api(network, "/api/events/stats", { token: viewerA.token });
    expect(stats.body).toMatchObject({ total: 4, byStatus: { delivered: 4 }, rejected: {} });
  });

  it("draws a run's flow and the topology's edges with counts", async () => {
    const flow = await api(network, "/api/sdn/flow/run-rest", { token: viewerA.token });
    expect(flow.status).toBe(200);
    expect(flow.body.nodes).toEqual([a1.agentId, a2.agentId].sort());
    expect(flow.body.edges).toEqual(
      expect.arrayContaining([
        { from: a1.agentId, to: a2.agentId, count: 3, types: ["rest.pii", "rest.ping", "rest.secret"] },
        { from: a2.agentId, to: a1.agentId, count: 1, types: ["rest.reply"] },
      ]),
    );
    expect(flow.body.steps.map((s: { type: string }) => s.type)).toEqual(["rest.ping", "rest.pii", "rest.secret", "rest.reply"]);
    expect(flow.body.steps[3].causedBy).toBe(flow.body.steps[0].eventId);
    const topology = await api(network, "/api/sdn/topology", { token: viewerA.token });
    expect(topology.body.edges).toEqual(expect.arrayContaining([{ from: a1.agentId, to: a2.agentId, count: 3 }]));
    expect(topology.body.contracts.some((c: { id: string }) => c.id === "default:messaging-to-assistants")).toBe(true);
    const traces = await api(network, "/api/sdn/traces/run-rest", { token: viewerA.token });
    expect(traces.body.traces[0].hops.map((h: { action: string }) => h.action)).toEqual(["receive", "verify", "log", "contract", "deliver"]);
  });

  it("documents its routes and socket events", async () => {
    const doc = (await (await fetch(`${network.url}/docs/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/contracts", "/api/policies/test", "/api/sdn/simulate", "/api/sdn/topology", "/api/sdn/flow/{runId}", "/api/events/stats", "/api/platform/health", "/api/nodes/{id}"]));
    const bootstrap = (await (await fetch(`${network.url}/api/bootstrap/service`)).json()) as { socketEvents: { event: string }[] };
    expect(bootstrap.socketEvents.map((e) => e.event)).toEqual(["node:register", "node:heartbeat", "event:send", "entity:bind", "entity:unbind", "sdn:watch", "sdn:unwatch"]);
  });
});
