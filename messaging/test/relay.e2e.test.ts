import { randomUUID } from "node:crypto";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import type { AssistantOutboundEvent } from "@symbia/messaging-client";
import { connectRelay, defineHandler, type ReceivedEvent, type RelayClient } from "@symbia/relay";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { addUserToOrg, agentId, api, connect, record, registerAgent, registerOwner, sleep, startMessaging, type Member, type TestMessaging } from "./harness.js";
import { spawnNetwork, type NetworkProcess } from "./network.js";
import { startWebhookHub, type WebhookHub } from "./stand-in-assistant.js";

// Messaging on the real network relay (child process, default contracts), with a stand-in for
// the assistants service: a real relay node `service:assistants` that streams replies back as
// the agent it speaks for. Then the network stops and the webhook takes over.
let identity: IdentityProcess;
let network: NetworkProcess;
let messaging: TestMessaging;
let hub: WebhookHub;
let alice: Member;
let bob: Member;
let agent: Member;
let assistants: RelayClient;
const received: ReceivedEvent<AssistantOutboundEvent>[] = [];
const sockets: Socket[] = [];

/** The assistants service's answer to a turn for our agent: a reply streamed over the relay. */
async function answer(event: ReceivedEvent<AssistantOutboundEvent>) {
  if (event.data.type !== "message.new" || event.data.target !== agent.id) return;
  const { message } = event.data.data;
  const speaker = { principal: { id: agent.id, type: "agent" as const, entityId: agent.entityId }, orgId: event.orgId, target: "service:messaging", causedBy: event.id };
  const messageId = randomUUID();
  await assistants.emit("message.stream.start", { conversationId: message.conversationId, messageId, replyTo: message.id }, speaker);
  const parts = ["Over ", "the ", "relay."];
  for (const [index, delta] of parts.entries()) await assistants.emit("message.stream.chunk", { messageId, index, delta }, speaker);
  await assistants.emit("message.stream.end", { messageId, chunks: parts.length }, speaker);
}

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser();
  alice = await registerOwner(identity, "Alice");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  agent = await registerAgent(identity, alice, agentId("relayed"));
  network = await spawnNetwork(identity);
  hub = await startWebhookHub();
  messaging = await startMessaging(identity, { env: { MESSAGING_RELAY: "true", NETWORK_SERVICE_URL: network.url, MESSAGING_ASSISTANT_WEBHOOK_URL: hub.url } });
  assistants = connectRelay({
    networkUrl: network.url,
    nodeId: "service:assistants",
    type: "service",
    credentials: identity.serviceLogin("assistants"),
    handlers: {
      "message.*": defineHandler(z.any(), (event) => {
        received.push(event as ReceivedEvent<AssistantOutboundEvent>);
        void answer(event as ReceivedEvent<AssistantOutboundEvent>);
      }),
    },
  });
  await assistants.ready();
  for (let i = 0; i < 100 && !messaging.deps.relay?.available(); i++) await sleep(50);
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await assistants?.close();
  await messaging?.close();
  await network?.stop();
  await hub?.close();
  await identity?.stop();
});

describe("the assistant bus over the network relay", () => {
  it("sends message.new with the acting principal (no token), and takes the reply streamed back over the relay", async () => {
    expect(messaging.deps.relay?.available()).toBe(true);
    expect((await api(messaging.url, "/health/ready")).body.relay).toMatchObject({ connected: true, registered: true });
    const conv = (await api(messaging.url, "/api/conversations", { token: bob.token, json: { type: "private", participants: [{ principalId: agent.id }] } })).body.id;
    const s = await connect(messaging.url, bob);
    sockets.push(s);
    const chunks = record(s, "message:stream");
    const messages = record(s, "message:new");
    const question = (await api(messaging.url, `/api/conversations/${conv}/messages`, { token: bob.token, json: { content: "over the relay?" } })).body;
    const reply = (await messages.until((m) => m.some((x) => x.replyTo === question.id))).find((x) => x.replyTo === question.id);
    expect(reply).toMatchObject({ content: "Over the relay.", status: "complete", sender: { principalId: agent.id, principalType: "agent" } });
    expect(chunks.items.filter((c) => c.messageId === reply.id).map((c) => c.delta)).toEqual(["Over ", "the ", "relay."]);

    const turn = received.find((e) => e.data.type === "message.new" && e.data.data.message.id === question.id)!;
    expect(turn.source).toBe("service:messaging");
    expect(turn.principal).toEqual({ id: bob.id, type: "user", entityId: bob.entityId });
    expect(turn.data).toMatchObject({ type: "message.new", target: agent.id, data: { respondent: { principalId: agent.id } } });
    expect(JSON.stringify(turn)).not.toContain(bob.token);
    expect(hub.events.filter((e) => e.body.type === "message.new" && e.body.data.message.id === question.id)).toEqual([]);
  });

  it("forwards control events over the relay", async () => {
    const conv = (await api(messaging.url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: agent.id }] } })).body.id;
    const stream = await api(messaging.url, `/api/conversations/${conv}/streams`, { token: agent.token, json: {} });
    const paused = await api(messaging.url, `/api/conversations/${conv}/control`, { token: alice.token, json: { event: "pause" } });
    expect(paused.status).toBe(201);
    for (let i = 0; i < 100 && !received.some((e) => e.data.type === "message.control" && e.data.data.messageId === null && e.data.data.conversationId === conv); i++) await sleep(30);
    const notice = received.find((e) => e.data.type === "message.control" && e.data.data.conversationId === conv)!;
    expect(notice.data).toMatchObject({ type: "message.control", target: agent.id, data: { event: "pause", by: { principalId: alice.id } } });
    await api(messaging.url, `/api/conversations/${conv}/control`, { token: alice.token, json: { event: "cancel", messageId: stream.body.messageId } });
  });

  it("falls back to the webhook when the relay is down", async () => {
    const conv = (await api(messaging.url, "/api/conversations", { token: bob.token, json: { type: "private", participants: [{ principalId: agent.id }] } })).body.id;
    await assistants.close();
    await network.stop();
    for (let i = 0; i < 100 && messaging.deps.relay?.available(); i++) await sleep(50);
    expect(messaging.deps.relay?.available()).toBe(false);
    const question = (await api(messaging.url, `/api/conversations/${conv}/messages`, { token: bob.token, json: { content: "anyone home?" } })).body;
    for (let i = 0; i < 100 && !hub.events.some((e) => e.body.type === "message.new" && e.body.data.message.id === question.id); i++) await sleep(30);
    const delivered = hub.events.find((e) => e.body.type === "message.new" && e.body.data.message.id === question.id);
    expect(delivered?.body).toMatchObject({ target: agent.id, principal: { id: bob.id, type: "user" } });
  });
});
