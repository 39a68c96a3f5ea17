import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { websiteChat, type WebsiteChatEvent } from "@symbia/messaging-client";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "../src/db/schema.js";
import { migrationsDir } from "../src/deps.js";
import { addUserToOrg, agentId, api, connect, emitAck, record, registerAgent, registerOwner, sleep, startMessaging, type Member, type TestMessaging } from "./harness.js";
import { startStandIn, startWebhookHub, type StandIn, type WebhookHub } from "./stand-in-assistant.js";

// Two messaging instances on one database and the local Redis (127.0.0.1:6379), each test run
// under its own key prefix.
let identity: IdentityProcess;
let database: TestDatabase<typeof schema>;
let one: TestMessaging;
let two: TestMessaging;
let hub: WebhookHub;
let alice: Member;
let bob: Member;
let agent: Member;
let standIn: StandIn;
const sockets: Socket[] = [];

async function socketOf(instance: TestMessaging, who: Member) {
  const s = await connect(instance.url, who);
  sockets.push(s);
  return s;
}

async function ready(instance: TestMessaging) {
  for (let i = 0; i < 50; i++) {
    if ((await api(instance.url, "/health/ready")).status === 200) return;
    await sleep(100);
  }
  throw new Error("instance never became ready");
}

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser();
  alice = await registerOwner(identity, "Alice");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  agent = await registerAgent(identity, alice, agentId("scaled"));
  hub = await startWebhookHub();
  database = await createTestDatabase({ service: "messaging", schema, migrationsDir });
  const env = {
    REDIS_URL: "redis://127.0.0.1:6379",
    MESSAGING_REDIS_PREFIX: `symbia-test:${randomBytes(6).toString("hex")}`,
    MESSAGING_ASSISTANT_WEBHOOK_URL: hub.url,
    MESSAGING_GUEST_SECRET: randomBytes(32).toString("hex"),
    MESSAGING_DEMO_ORG_ID: alice.orgId,
    MESSAGING_DEMO_ASSISTANT_ID: agent.id,
  };
  one = await startMessaging(identity, { env, database });
  two = await startMessaging(identity, { env, database });
  await Promise.all([ready(one), ready(two)]);
  await sleep(300);
  // The assistant's socket is on instance one only.
  standIn = await startStandIn({ url: one.url, agent, hub, chunks: 12, intervalMs: 40 });
}, 120_000);
afterAll(async () => {
  standIn?.close();
  for (const s of sockets) s.disconnect();
  await one?.close();
  await two?.close();
  await database?.close();
  await hub?.close();
  await identity?.stop();
});

describe("two instances with the Redis adapter", () => {
  it("deliver each other's messages, including in conversations created on the other instance", async () => {
    const aliceOnOne = await socketOf(one, alice);
    const bobOnTwo = await socketOf(two, bob);
    const aliceSees = record(aliceOnOne, "message:new");
    const bobSees = record(bobOnTwo, "message:new");
    // Created through instance two: alice's socket on instance one joins the room through Redis.
    const conv = (await api(two.url, "/api/conversations", { token: bob.token, json: { type: "group", participants: [{ principalId: alice.id }] } })).body.id;
    await sleep(100);
    const fromOne = await emitAck(aliceOnOne, "message:send", { conversationId: conv, content: "sent on one" });
    expect(fromOne.ok).toBe(true);
    const fromTwo = await api(two.url, `/api/conversations/${conv}/messages`, { token: bob.token, json: { content: "sent on two" } });
    expect(fromTwo.status).toBe(201);
    await bobSees.until((m) => m.filter((x) => x.conversationId === conv).length === 2);
    await aliceSees.until((m) => m.filter((x) => x.conversationId === conv).length === 2);
    expect(bobSees.items.filter((x) => x.conversationId === conv).map((m) => [m.sequence, m.content])).toEqual([
      [1, "sent on one"],
      [2, "sent on two"],
    ]);
    expect(aliceSees.items.filter((x) => x.conversationId === conv).map((m) => m.sequence)).toEqual([1, 2]);
  });

  it("share presence and typing across instances", async () => {
    const conv = (await api(one.url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }] } })).body.id;
    const aliceOnOne = await socketOf(one, alice);
    const bobOnTwo = await socketOf(two, bob);
    const typing = record(bobOnTwo, "typing:started");
    await emitAck(aliceOnOne, "typing:start", { conversationId: conv });
    await typing.until((t) => t.some((x) => x.principalId === alice.id && x.conversationId === conv));
    const listed = await emitAck(bobOnTwo, "presence:list", {});
    expect((listed as any).data.items.map((e: any) => e.principalId)).toContain(alice.id);
  });

  it("apply a pause sent to one instance to a reply streaming through the other", async () => {
    const conv = (await api(one.url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }, { principalId: agent.id }] } })).body.id;
    const bobOnTwo = await socketOf(two, bob);
    const chunks = record(bobOnTwo, "message:stream");
    const updates = record(bobOnTwo, "stream:updated");
    const question = (await api(two.url, `/api/conversations/${conv}/messages`, { token: bob.token, json: { content: "stream please" } })).body;
    const reply = await standIn.replyTo(question.id);
    await chunks.until((c) => c.filter((x) => x.messageId === reply.messageId).length >= 2);
    const paused = await api(two.url, `/api/conversations/${conv}/control`, { token: bob.token, json: { event: "pause" } });
    expect(paused.status).toBe(201);
    expect(paused.body.streams).toEqual([{ messageId: reply.messageId, state: "paused" }]);
    await updates.until((u) => u.some((x) => x.messageId === reply.messageId && x.state === "paused"));
    const shown = chunks.items.filter((x) => x.messageId === reply.messageId).length;
    await reply.done;
    await sleep(200);
    expect(chunks.items.filter((x) => x.messageId === reply.messageId).length).toBe(shown);
    const resumed = await api(two.url, `/api/conversations/${conv}/control`, { token: alice.token, json: { event: "resume" } });
    expect(resumed.body.streams).toEqual([{ messageId: reply.messageId, state: "completed" }]);
    await chunks.until((c) => c.filter((x) => x.messageId === reply.messageId).length === 12);
    expect(chunks.items.filter((x) => x.messageId === reply.messageId).map((x) => x.index)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("streams a website reply to an SSE response held by the other instance", async () => {
    const events: WebsiteChatEvent[] = [];
    for await (const e of websiteChat({ baseUrl: two.url, message: "hello across instances" })) events.push(e);
    expect(events.filter((e) => e.event === "chunk")).toHaveLength(12);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "complete", sender: { principalId: agent.id } } });
  });
});
