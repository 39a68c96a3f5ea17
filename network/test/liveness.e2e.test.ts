import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { spawnIdentity, type IdentityProcess, type TestUser } from "@symbia/id/testing";
import { defineHandler, type RelayClient, type TopologyChange } from "@symbia/relay";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { api, eventually, Nodes, pause, registerAgent, startNetwork, type Inbox, type TestAgent, type TestNetwork } from "./harness.js";

// Liveness, reconnection, identity of nodes and HTTP delivery, with real sockets and real servers.
let identity: IdentityProcess;
let network: TestNetwork;
let admin: TestUser;
let owner: TestUser;
let agents: Record<"sender" | "receiver" | "silent" | "hooked", TestAgent>;
let sender: RelayClient;
let receiver: { client: RelayClient; inbox: Inbox };
const nodes = new Nodes(() => network);

beforeAll(async () => {
  identity = await spawnIdentity();
  network = await startNetwork(identity);
  admin = await identity.registerUser(); // super admin
  owner = await identity.registerUser();
  const list = (await Promise.all(["sender", "receiver", "silent", "hooked"].map((n) => registerAgent(identity, owner, n)))) as TestAgent[];
  agents = { sender: list[0]!, receiver: list[1]!, silent: list[2]!, hooked: list[3]! };
  for (const to of [agents.receiver.agentId, agents.hooked.agentId]) {
    expect((await api(network, "/api/contracts", { token: owner.token, json: { from: agents.sender.agentId, to, allowedEventTypes: ["live.*"], boundaries: ["intra"] } })).status).toBe(201);
  }
  sender = nodes.relay({ nodeId: agents.sender.agentId, type: "assistant", credentials: agents.sender.login, outbox: { maxEvents: 3 } });
  receiver = nodes.receiver({ nodeId: agents.receiver.agentId, type: "assistant", credentials: agents.receiver.login });
  await Promise.all([sender.ready(), receiver.client.ready()]);
}, 90_000);
afterAll(async () => {
  await nodes.closeAll();
  await network?.close();
  await identity?.stop();
});

describe("heartbeats", () => {
  it("marks a node that stops heartbeating down, then removes it, and watchers see it live", async () => {
    const watcher = await nodes.socket(owner.token);
    const changes: TopologyChange[] = [];
    watcher.on("sdn:topology", (change: TopologyChange) => changes.push(change));
    const snapshot = await watcher.emitWithAck("sdn:watch", {});
    expect(snapshot).toMatchObject({ ok: true, data: { orgId: owner.orgId } });

    // A raw node that registers and then never heartbeats.
    const silent = await nodes.socket(await agents.silent.login.getToken());
    expect((await silent.emitWithAck("node:register", { nodeId: agents.silent.agentId, type: "assistant" })).ok).toBe(true);
    const mine = () => changes.filter((c) => c.nodeId === agents.silent.agentId).map((c) => c.change);
    await eventually(() => mine().includes("removed"), 6_000, "the silent node's removal");
    expect(mine()).toEqual(["registered", "bound", "down", "removed"]);
    expect(changes.find((c) => c.nodeId === agents.silent.agentId && c.change === "down")!.node).toMatchObject({ status: "down" });

    const topology = await api(network, "/api/sdn/topology", { token: owner.token });
    expect(topology.body.nodes.map((n: { id: string }) => n.id)).not.toContain(agents.silent.agentId);
    // Relay clients heartbeat, so they are still there.
    expect(topology.body.nodes.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining([agents.sender.agentId, agents.receiver.agentId]));
    // The removed node's socket was closed by the network.
    await eventually(() => !silent.connected, 2_000, "the silent socket to close");
  });
});

describe("reconnection", () => {
  it("re-registers after the connection drops and delivers its queued events once; a full outbox drops the oldest", async () => {
    const before = receiver.inbox.events.length;
    // Cut the sender's transport from the network side: Socket.IO reconnects with backoff.
    for (const socket of network.deps.registry.socketsFor(agents.sender.agentId)) socket.conn.close();
    await eventually(() => !sender.status().connected, 2_000, "the sender to notice");
    const queued = [];
    for (let n = 1; n <= 4; n++) queued.push(await sender.emit("live.queued", { n }, { target: agents.receiver.agentId }));
    expect(queued.every((r) => r.queued)).toBe(true);
    expect(sender.status().outbox).toMatchObject({ size: 3, dropped: 1 });

    await sender.ready();
    await receiver.inbox.waitFor(before + 3);
    await pause(500);
    const got = receiver.inbox.events.slice(before).filter((e) => e.type === "live.queued");
    expect(got.map((e) => e.data)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
    expect(new Set(got.map((e) => e.id)).size).toBe(3);
    expect(sender.status()).toMatchObject({ registered: true, outbox: { size: 0, dropped: 1 } });
    expect(sender.status().reregistrations).toBeGreaterThanOrEqual(1);
  });

  it("comes back after an administrator evicts it (the server closes the socket)", async () => {
    const regs = sender.status().reregistrations;
    // Nodes are administered with cap:network.nodes.admin (no org role grants it): the super admin here.
    expect((await api(network, `/api/nodes/${agents.sender.agentId}`, { method: "DELETE", token: owner.token })).status).toBe(403);
    expect((await api(network, `/api/nodes/${agents.sender.agentId}`, { method: "DELETE", token: admin.token, orgId: owner.orgId })).status).toBe(204);
    await eventually(() => sender.status().reregistrations > regs && sender.status().registered, 5_000, "the sender to register again");
    expect(await sender.emit("live.back", { ok: true }, { target: agents.receiver.agentId })).toMatchObject({ status: "delivered" });
  });
});

describe("who may register what", () => {
  it("refuses a node id of another agent or service, and a service type for an agent", async () => {
    const impostor = nodes.relay({ nodeId: agents.receiver.agentId, type: "assistant", credentials: agents.sender.login });
    await expect(impostor.ready()).rejects.toMatchObject({ code: "forbidden" });
    const asService = nodes.relay({ nodeId: "service:identity", type: "service", credentials: identity.serviceLogin("messaging") });
    await expect(asService.ready()).rejects.toMatchObject({ code: "forbidden", message: expect.stringContaining("service:messaging") });
    const agentAsService = nodes.relay({ nodeId: agents.sender.agentId, type: "service", credentials: agents.sender.login });
    await expect(agentAsService.ready()).rejects.toMatchObject({ code: "forbidden" });
    // The legitimate nodes were not disturbed.
    const topology = await api(network, "/api/sdn/topology", { token: owner.token });
    expect(topology.body.nodes.find((n: { id: string }) => n.id === agents.receiver.agentId).principal.id).toBe(agents.receiver.agentId);
    expect(topology.body.nodes.some((n: { id: string }) => n.id === "service:identity")).toBe(false);
  });

  it("lets two instances of a service serve one node id, one-of-N", async () => {
    const a = nodes.receiver({ nodeId: "service:messaging", type: "service", credentials: identity.serviceLogin("messaging") });
    const b = nodes.receiver({ nodeId: "service:messaging", type: "service", credentials: identity.serviceLogin("messaging") });
    await Promise.all([a.client.ready(), b.client.ready()]);
    expect(network.deps.registry.connections("service:messaging")).toBe(2);
    const assistants = nodes.relay({ nodeId: "service:assistants", type: "service", credentials: identity.serviceLogin("assistants") });
    await assistants.ready();
    // Default contract assistants-to-messaging allows message.*; a service node names the org per event.
    for (let i = 0; i < 4; i++) expect(await assistants.emit("message.reply", { i }, { target: "service:messaging", orgId: owner.orgId })).toMatchObject({ status: "delivered" });
    expect(a.inbox.events.length + b.inbox.events.length).toBe(4);
    expect(a.inbox.events.length).toBe(2);
  });

  it("refuses anonymous sockets: no registration, no event, no watching", async () => {
    await expect(nodes.socket()).rejects.toMatchObject({ message: "unauthenticated" });
    await expect(nodes.socket("not-a-token")).rejects.toMatchObject({ message: "invalid token" });
    // Authenticated but unregistered sockets cannot send or bind, and watching needs the entitlement.
    const unregistered: Socket = await nodes.socket(await agents.hooked.login.getToken());
    expect(await unregistered.emitWithAck("event:send", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await unregistered.emitWithAck("entity:bind", { entityId: agents.hooked.entityId })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await unregistered.emitWithAck("sdn:watch", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });
});

describe("HTTP endpoint delivery", () => {
  let endpoint: Server;
  afterAll(() => new Promise<void>((resolve) => endpoint?.close(() => resolve())));

  it("POSTs the signed envelope to a node without a socket, retrying with backoff until it answers", async () => {
    const attempts: string[] = [];
    let hooked: RelayClient | undefined;
    endpoint = createHttpServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      attempts.push(String(req.headers["x-symbia-event-id"]));
      if (attempts.length <= 2) {
        res.writeHead(503).end();
        return;
      }
      const ack = await hooked!.receive(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(ack.ok ? 200 : 400, { "content-type": "application/json" }).end(JSON.stringify(ack));
    });
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(endpoint.address() as { port: number }).port}/relay/events`;
    const handled: unknown[] = [];
    hooked = nodes.relay({
      nodeId: agents.hooked.agentId,
      type: "assistant",
      credentials: agents.hooked.login,
      endpoint: url,
      handlers: { "live.*": defineHandler(z.object({ n: z.number() }), (event) => void handled.push(event.data)) },
    });
    await hooked.ready();
    await hooked.close(); // the socket goes; the node stays registered until its heartbeats are missed
    await eventually(() => network.deps.registry.connections(agents.hooked.agentId) === 0, 2_000, "the network to see the socket go");

    const result = await sender.emit("live.hook", { n: 7 }, { target: agents.hooked.agentId, runId: "run-http" });
    expect(result).toMatchObject({ status: "delivered", deliveredTo: [agents.hooked.agentId] });
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts)).toEqual(new Set([result.eventId]));
    expect(handled).toEqual([{ n: 7 }]);
    const traces = await api(network, "/api/sdn/traces/run-http", { token: owner.token });
    const hops = traces.body.traces[0].hops.filter((h: { node: string }) => h.node === agents.hooked.agentId);
    expect(hops.map((h: { action: string; outcome: string }) => `${h.action}:${h.outcome}`)).toEqual(["retry:http_retry", "retry:http_retry", "deliver:delivered"]);
    expect(hops[2].detail).toBe("http 200, attempt 3");
  });
});
