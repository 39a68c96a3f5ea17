import { randomUUID } from "node:crypto";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, agentId, api, connect, emitAck, record, registerAgent, registerOwner, sleep, startMessaging, type Member, type TestMessaging } from "../../test/harness.js";

let identity: IdentityProcess;
let messaging: TestMessaging;
let url: string;
let alice: Member;
let bob: Member;
let carol: Member;
let agent: Member;
let other: Member; // an agent of the org that is not a participant
let conv: string;
const sockets: Socket[] = [];

async function socketOf(who: Member) {
  const s = await connect(url, who);
  sockets.push(s);
  return s;
}

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser();
  alice = await registerOwner(identity, "Alice");
  carol = await registerOwner(identity, "Carol");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  agent = await registerAgent(identity, alice, agentId("writer"));
  other = await registerAgent(identity, alice, agentId("outsider"));
  messaging = await startMessaging(identity, { env: { MESSAGING_STREAM_IDLE_MS: "500" } });
  url = messaging.url;
  conv = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }, { principalId: agent.id }] } })).body.id;
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await messaging?.close();
  await identity?.stop();
});

const rest = (path: string, json: unknown, token = agent.token) => api(url, `/api/conversations/${conv}/streams${path}`, { token, json });

describe("streamed replies over HTTP", () => {
  it("delivers chunks in index order whatever order they arrive in, ignores repeats, and stores the reply once", async () => {
    const view = await socketOf(bob);
    const chunks = record(view, "message:stream");
    const started = record(view, "stream:started");
    const messages = record(view, "message:new");
    const question = (await api(url, `/api/conversations/${conv}/messages`, { token: bob.token, json: { content: "go" } })).body;
    const start = await rest("", { replyTo: question.id, contentType: "markdown" });
    expect(start.status).toBe(201);
    const id = start.body.messageId as string;
    expect(start.body).toMatchObject({ conversationId: conv, state: "streaming", replyTo: question.id, sender: { principalId: agent.id, principalType: "agent" } });
    await started.until((s) => s.some((x) => x.messageId === id));
    const outcomes = [];
    for (const [index, delta] of [[0, "a"], [2, "c"], [3, "d"], [1, "b"], [1, "b"], [4, "e"]] as const) outcomes.push((await rest(`/${id}/chunks`, { index, delta })).body.outcome);
    expect(outcomes).toEqual(["delivered", "queued", "queued", "delivered", "duplicate", "delivered"]);
    await chunks.until((c) => c.filter((x) => x.messageId === id).length === 5);
    expect(chunks.items.filter((x) => x.messageId === id).map((x) => [x.index, x.delta])).toEqual([[0, "a"], [1, "b"], [2, "c"], [3, "d"], [4, "e"]]);

    // A late joiner sees the text so far while it streams.
    const live = await api(url, `/api/conversations/${conv}/streams`, { token: alice.token });
    expect(live.body.items).toEqual([expect.objectContaining({ messageId: id, content: "abcde", delivered: 5, held: 0 })]);

    expect((await rest(`/${id}/chunks`, { index: 5, delta: "f" }, bob.token)).status).toBe(403);
    const end = await rest(`/${id}/end`, { metadata: { model: "stand-in" } });
    expect(end.status).toBe(200);
    expect(end.body).toMatchObject({ state: "completed", message: { id, content: "abcde", contentType: "markdown", status: "complete", metadata: { model: "stand-in" } } });
    expect((await rest(`/${id}/end`, {})).status).toBe(404);
    expect((await rest(`/${id}/chunks`, { index: 5, delta: "late" })).status).toBe(404);
    await messages.until((m) => m.some((x) => x.id === id));
    const late = await api(url, `/api/conversations/${conv}/messages?limit=100`, { token: alice.token });
    expect(late.body.items.filter((m: any) => m.id === id)).toHaveLength(1);
    expect((await api(url, `/api/conversations/${conv}/streams`, { token: alice.token })).body.items).toEqual([]);
  });

  it("refuses an end while chunks are missing (409), and a stream id already used", async () => {
    const id = (await rest("", {})).body.messageId;
    await rest(`/${id}/chunks`, { index: 1, delta: "second" });
    const end = await rest(`/${id}/end`, {});
    expect(end.status).toBe(409);
    expect(end.body.error.details.expectedIndex).toBe(0);
    await rest(`/${id}/chunks`, { index: 0, delta: "first" });
    expect((await rest(`/${id}/end`, {})).body.message.content).toBe("firstsecond");
    expect((await rest("", { messageId: id })).status).toBe(409);
  });

  it("lets the end overtake chunks still on their way when it announces their count", async () => {
    const id = (await rest("", {})).body.messageId;
    await rest(`/${id}/chunks`, { index: 0, delta: "a" });
    expect((await rest(`/${id}/end`, { chunks: 1 - 1 })).status).toBe(409);
    const end = await rest(`/${id}/end`, { chunks: 3 });
    expect(end.body).toEqual({ messageId: id, state: "pending", message: null });
    expect((await rest(`/${id}/chunks`, { index: 3, delta: "beyond" })).status).toBe(409);
    await rest(`/${id}/chunks`, { index: 2, delta: "c" });
    expect((await api(url, `/api/conversations/${conv}/messages/${id}`, { token: alice.token })).status).toBe(404);
    expect((await rest(`/${id}/chunks`, { index: 1, delta: "b" })).body.outcome).toBe("delivered");
    const stored = await api(url, `/api/conversations/${conv}/messages/${id}`, { token: alice.token });
    expect(stored.body).toMatchObject({ content: "abc", status: "complete" });
  });

  it("answers bad input with 400 and other tenants or outsiders with 404/403", async () => {
    expect((await rest("", { messageId: "nope" })).status).toBe(400);
    expect((await rest("", { contentType: "event" })).status).toBe(400);
    expect((await rest("", { replyTo: randomUUID() })).status).toBe(400);
    const id = (await rest("", {})).body.messageId;
    expect((await rest(`/${id}/chunks`, { index: -1, delta: "x" })).status).toBe(400);
    expect((await rest(`/${id}/chunks`, { index: 0, delta: "x".repeat(8_001) })).status).toBe(400);
    expect((await rest(`/${id}/chunks`, { index: 0 })).status).toBe(400);
    expect((await rest(`/${id}/end`, { metadata: 3 })).status).toBe(400);
    expect((await rest("", {}, carol.token)).status).toBe(404);
    expect((await rest("", {}, other.token)).status).toBe(403);
    expect((await rest(`/${id}/chunks`, { index: 0, delta: "x" }, carol.token)).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv}/streams`, { token: carol.token })).status).toBe(404);
    const otherConv = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: agent.id }] } })).body.id;
    expect((await api(url, `/api/conversations/${otherConv}/streams/${id}/chunks`, { token: agent.token, json: { index: 0, delta: "x" } })).status).toBe(404);
    await rest(`/${id}/end`, {});
  });

  it("cancels a stream that stalls past the idle limit, storing what was shown", async () => {
    const s = await socketOf(bob);
    const ended = record(s, "stream:ended");
    const id = (await rest("", {})).body.messageId;
    await rest(`/${id}/chunks`, { index: 0, delta: "half a thought" });
    await ended.until((e) => e.some((x) => x.messageId === id), 5_000);
    expect(ended.items.find((x) => x.messageId === id)).toMatchObject({ status: "cancelled", reason: "idle" });
    const stored = await api(url, `/api/conversations/${conv}/messages/${id}`, { token: bob.token });
    expect(stored.body).toMatchObject({ status: "cancelled", content: "half a thought", metadata: { cancelled: { reason: "idle" } } });
  });
});

describe("streamed replies over the socket", () => {
  it("streams through stream:start / stream:chunk / stream:end with acks", async () => {
    const a = await socketOf(agent);
    const view = record(await socketOf(bob), "message:stream");
    const start = await emitAck(a, "stream:start", { conversationId: conv });
    expect(start.ok).toBe(true);
    const id = (start as any).data.messageId;
    for (let i = 0; i < 5; i++) expect(await emitAck(a, "stream:chunk", { messageId: id, index: i, delta: `w${i} ` })).toMatchObject({ ok: true, data: { outcome: "delivered" } });
    const end = await emitAck(a, "stream:end", { messageId: id });
    expect(end).toMatchObject({ ok: true, data: { state: "completed", message: { content: "w0 w1 w2 w3 w4 " } } });
    await view.until((c) => c.filter((x) => x.messageId === id).length === 5);
    expect(await emitAck(await socketOf(carol), "stream:start", { conversationId: conv })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });
});

describe("POST /api/assistant-events", () => {
  it("takes an assistant's streamed reply from a service principal, speaking for the agent", async () => {
    const token = await identity.serviceLogin("assistants").getToken();
    const view = record(await socketOf(bob), "message:new");
    const id = randomUUID();
    const post = (type: string, data: unknown, principal = { id: agent.id, type: "agent", entityId: agent.entityId }) =>
      api(url, "/api/assistant-events", { token, json: { id: `evt_${randomUUID()}`, type, orgId: alice.orgId, principal, data } });
    expect((await post("message.stream.start", { conversationId: conv, messageId: id })).status).toBe(200);
    expect((await post("message.stream.start", { conversationId: conv, messageId: id })).status).toBe(200);
    expect((await post("message.stream.chunk", { messageId: id, index: 0, delta: "via " })).body.result.outcome).toBe("delivered");
    expect((await post("message.stream.chunk", { messageId: id, index: 1, delta: "the bus" })).status).toBe(200);
    const end = await post("message.stream.end", { messageId: id });
    expect(end.body.result.message).toMatchObject({ id, content: "via the bus", sender: { principalId: agent.id } });
    await view.until((m) => m.some((x) => x.id === id));

    const whole = await post("message.response", { conversationId: conv, content: "a whole reply" });
    expect(whole.status).toBe(200);
    expect(whole.body.result).toMatchObject({ content: "a whole reply", sender: { principalId: agent.id, principalType: "agent" } });

    expect((await post("message.response", { conversationId: conv, content: "x" }, { id: bob.id, type: "user", entityId: bob.entityId })).status).toBe(403);
    expect((await post("message.response", { conversationId: conv, content: "x" }, { id: other.id, type: "agent", entityId: other.entityId })).status).toBe(403);
    expect((await post("message.explode", { conversationId: conv })).status).toBe(400);
    expect((await post("message.response", { conversationId: conv })).status).toBe(400);
    // Users and agents cannot post bus events themselves.
    expect((await api(url, "/api/assistant-events", { token: agent.token, json: { id: "evt_1", type: "message.response", orgId: alice.orgId, principal: { id: agent.id, type: "agent", entityId: agent.entityId }, data: { conversationId: conv, content: "x" } } })).status).toBe(403);
    await sleep(50);
  });
});
