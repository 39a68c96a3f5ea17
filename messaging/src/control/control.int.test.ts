import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, agentId, api, connect, emitAck, record, registerAgent, registerOwner, sleep, startMessaging, type Member, type TestMessaging } from "../../test/harness.js";
import { startStandIn, startWebhookHub, type StandIn, type WebhookHub } from "../../test/stand-in-assistant.js";

let identity: IdentityProcess;
let messaging: TestMessaging;
let hub: WebhookHub;
let url: string;
let alice: Member; // org owner: cap:messaging.interrupt and cap:messaging.route
let bob: Member; // member: interrupt only
let viewer: Member; // viewer: neither
let carol: Member; // other org
let agentA: Member;
let agentB: Member;
let standA: StandIn;
let standB: StandIn;
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
  viewer = await addUserToOrg(identity, alice, "viewer", "Vera");
  agentA = await registerAgent(identity, alice, agentId("alpha"));
  agentB = await registerAgent(identity, alice, agentId("beta"));
  hub = await startWebhookHub();
  messaging = await startMessaging(identity, { env: { MESSAGING_ASSISTANT_WEBHOOK_URL: hub.url } });
  url = messaging.url;
  standA = await startStandIn({ url, agent: agentA, hub, chunks: 16, intervalMs: 40, serial: true });
  standB = await startStandIn({ url, agent: agentB, hub, chunks: 6, intervalMs: 20 });
}, 120_000);
afterAll(async () => {
  standA?.close();
  standB?.close();
  for (const s of sockets) s.disconnect();
  await messaging?.close();
  await hub?.close();
  await identity?.stop();
});

async function conversationWith(...agents: Member[]) {
  const res = await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }, ...agents.map((a) => ({ principalId: a.id }))] } });
  return res.body.id as string;
}
const say = async (who: Member, conversationId: string, content: string) => (await api(url, `/api/conversations/${conversationId}/messages`, { token: who.token, json: { content } })).body;
const control = (who: Member, conversationId: string, body: Record<string, unknown>) => api(url, `/api/conversations/${conversationId}/control`, { token: who.token, json: body });

/** Bob's view of a conversation's live events. */
async function observer(conversationId: string) {
  const s = await socketOf(bob);
  const chunks = record<{ conversationId: string; messageId: string; index: number; delta: string }>(s, "message:stream");
  return {
    chunks: (messageId: string) => chunks.items.filter((c) => c.messageId === messageId),
    allChunks: chunks,
    updates: record(s, "stream:updated"),
    ended: record(s, "stream:ended"),
    messages: record(s, "message:new"),
    conversationUpdates: record(s, "conversation:updated"),
    conversationId,
  };
}

describe("pause and resume", () => {
  it("holds every chunk server-side after pause, then delivers the held chunks in order on resume; the reply is stored once", async () => {
    const c = await conversationWith(agentA);
    const view = await observer(c);
    const question = await say(alice, c, "tell me a long story");
    const reply = await standA.replyTo(question.id);
    await view.allChunks.until(() => view.chunks(reply.messageId).length >= 3);

    const paused = await control(alice, c, { event: "pause" });
    expect(paused.status).toBe(201);
    expect(paused.body.streams).toEqual([{ messageId: reply.messageId, state: "paused" }]);
    expect(paused.body.event).toMatchObject({ contentType: "event", sender: { principalId: alice.id } });
    expect(JSON.parse(paused.body.event.content)).toMatchObject({ event: "pause" });
    await view.updates.until((u) => u.some((s) => s.messageId === reply.messageId && s.state === "paused"));
    const shownAtPause = view.chunks(reply.messageId).length;

    // The assistant keeps producing; messaging holds what it sends.
    await reply.done;
    expect(reply.acks.filter((a) => a.outcome === "held").length).toBeGreaterThan(0);
    expect(reply.end).toMatchObject({ ok: true, data: { state: "pending", message: null } });
    await sleep(300);
    expect(view.chunks(reply.messageId).length).toBe(shownAtPause);
    const during = await api(url, `/api/conversations/${c}/streams`, { token: bob.token });
    expect(during.body.items[0]).toMatchObject({ messageId: reply.messageId, state: "paused", delivered: shownAtPause });
    expect(during.body.items[0].held).toBe(16 - shownAtPause);
    expect((await api(url, `/api/conversations/${c}/messages?limit=50`, { token: bob.token })).body.items.map((m: any) => m.id)).not.toContain(reply.messageId);

    // The assistant running the reply heard about it on its socket and on the bus.
    expect(standA.controls.filter((x) => x.notice.event === "pause").map((x) => x.via).sort()).toEqual(["socket", "webhook"]);

    const resumed = await control(bob, c, { event: "resume", messageId: reply.messageId });
    expect(resumed.status).toBe(201);
    expect(resumed.body.streams).toEqual([{ messageId: reply.messageId, state: "completed" }]);
    await view.messages.until((m) => m.some((x) => x.id === reply.messageId));
    const indexes = view.chunks(reply.messageId).map((x) => x.index);
    expect(indexes).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const stored = view.messages.items.filter((m) => m.id === reply.messageId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: "complete", replyTo: question.id, content: reply.sent.join(""), sender: { principalId: agentA.id, principalType: "agent" } });
    expect(view.ended.items.filter((e) => e.messageId === reply.messageId)).toEqual([{ conversationId: c, messageId: reply.messageId, status: "completed", reason: null, sequence: stored[0].sequence }]);
    const page = await api(url, `/api/conversations/${c}/messages?limit=50`, { token: carol.token });
    expect(page.status).toBe(404);
    const late = await api(url, `/api/conversations/${c}/messages?limit=50`, { token: bob.token });
    expect(late.body.items.filter((m: any) => m.id === reply.messageId)).toHaveLength(1);
    expect(late.body.items.filter((m: any) => m.contentType === "event").map((m: any) => JSON.parse(m.content).event)).toEqual(["pause", "resume"]);
  });

  it("answers 409 when there is nothing to pause or resume, and stores nothing", async () => {
    const c = await conversationWith(agentA);
    const before = (await api(url, `/api/conversations/${c}`, { token: alice.token })).body.lastSequence;
    expect((await control(alice, c, { event: "pause" })).status).toBe(409);
    expect((await control(alice, c, { event: "resume" })).status).toBe(409);
    expect((await control(alice, c, { event: "cancel", messageId: "00000000-0000-4000-8000-000000000000" })).status).toBe(409);
    expect((await api(url, `/api/conversations/${c}`, { token: alice.token })).body.lastSequence).toBe(before);
  });
});

describe("cancel", () => {
  it("ends the stream at once, refuses further chunks, and stores the reply marked cancelled with what was shown", async () => {
    const c = await conversationWith(agentA);
    const view = await observer(c);
    const s = await socketOf(bob);
    const question = await say(bob, c, "count slowly");
    const reply = await standA.replyTo(question.id);
    await view.allChunks.until(() => view.chunks(reply.messageId).length >= 3);
    const ack = await emitAck(s, "control:send", { conversationId: c, event: "cancel", reason: "enough" });
    expect(ack.ok).toBe(true);
    expect((ack as any).data.streams).toEqual([{ messageId: reply.messageId, state: "cancelled" }]);
    await reply.done;
    expect(reply.stopped).toBe(true);
    expect(reply.end).toBeUndefined();
    const ended = await view.ended.until((e) => e.some((x) => x.messageId === reply.messageId));
    expect(ended.find((x) => x.messageId === reply.messageId)).toMatchObject({ status: "cancelled", reason: "enough" });
    const stored = (await view.messages.until((m) => m.some((x) => x.id === reply.messageId))).find((x) => x.id === reply.messageId);
    expect(stored.status).toBe("cancelled");
    expect(stored.content).toBe(view.chunks(reply.messageId).map((x) => x.delta).join(""));
    expect(stored.metadata.cancelled).toMatchObject({ reason: "enough", by: bob.id });
    // A chunk sent after the cancel gets an error ack and reaches nobody.
    const late = await emitAck(standA.socket, "stream:chunk", { messageId: reply.messageId, index: 99, delta: "late" });
    expect(late).toMatchObject({ ok: false, error: { code: "not_found" } });
    const persisted = await api(url, `/api/conversations/${c}/messages/${reply.messageId}`, { token: alice.token });
    expect(persisted.body).toMatchObject({ status: "cancelled", id: reply.messageId });
    expect(standA.controls.some((x) => x.notice.event === "cancel" && x.notice.cancelled.includes(reply.messageId))).toBe(true);
  });
});

describe("preempt", () => {
  it("cancels the current reply in favour of the newer message, which the assistant then answers", async () => {
    const c = await conversationWith(agentA);
    const view = await observer(c);
    const first = await say(alice, c, "first question");
    const r1 = await standA.replyTo(first.id);
    await view.allChunks.until(() => view.chunks(r1.messageId).length >= 2);
    const second = await say(alice, c, "actually, this instead");
    const res = await control(alice, c, { event: "preempt", messageId: second.id });
    expect(res.status).toBe(201);
    expect(res.body.streams).toEqual([{ messageId: r1.messageId, state: "cancelled" }]);
    const r2 = await standA.replyTo(second.id);
    await r2.done;
    await r1.done;
    const stored = await view.messages.until((m) => m.some((x) => x.id === r1.messageId) && m.some((x) => x.id === r2.messageId));
    expect(stored.find((x) => x.id === r1.messageId)).toMatchObject({ status: "cancelled", replyTo: first.id, metadata: { cancelled: { reason: "preempted" } } });
    expect(stored.find((x) => x.id === r2.messageId)).toMatchObject({ status: "complete", replyTo: second.id, content: r2.sent.join("") });
    expect(r2.sent).toHaveLength(16);
    const notice = standA.controls.find((x) => x.notice.event === "preempt")!.notice;
    expect(notice).toMatchObject({ messageId: second.id, cancelled: [r1.messageId], by: { principalId: alice.id } });
  });
});

describe("handoff and route", () => {
  it("handoff changes the active responder (agent → agent → human), records it, and the next turns follow it", async () => {
    const c = await conversationWith(agentA, agentB);
    const view = await observer(c);
    // Two agents and no responder: nobody is addressed.
    const open = await say(bob, c, "anyone?");
    await sleep(300);
    expect(hub.events.find((e) => e.body.type === "message.new" && e.body.data.message.id === open.id)?.body).toMatchObject({ target: null, data: { respondent: null } });

    expect((await control(bob, c, { event: "handoff", to: agentA.id })).status).toBe(403);
    const toA = await control(alice, c, { event: "handoff", to: agentA.id, reason: "A knows" });
    expect(toA.status).toBe(201);
    expect(toA.body.activeResponder).toEqual({ principalId: agentA.id, principalType: "agent" });
    await view.conversationUpdates.until((u) => u.some((x) => x.activeResponder?.principalId === agentA.id));
    const q1 = await say(bob, c, "question for the responder");
    const r1 = await standA.replyTo(q1.id);
    await view.allChunks.until(() => view.chunks(r1.messageId).length >= 2);

    // Handing off while A streams: A's reply ends, B takes the next turn.
    const toB = await control(alice, c, { event: "handoff", to: agentB.id });
    expect(toB.body.streams).toEqual([{ messageId: r1.messageId, state: "cancelled" }]);
    expect(standB.controls.some((x) => x.notice.event === "handoff" && x.notice.to === agentB.id)).toBe(true);
    await r1.done;
    const q2 = await say(bob, c, "and now?");
    const r2 = await standB.replyTo(q2.id);
    await r2.done;
    expect(standA.replies.some((r) => r.replyTo === q2.id)).toBe(false);
    expect(hub.events.find((e) => e.body.type === "message.new" && e.body.data.message.id === q2.id)?.body).toMatchObject({ target: agentB.id, data: { respondent: { principalId: agentB.id } } });

    // To a person: assistants are told a human answers, and none does.
    const toBob = await control(alice, c, { event: "handoff", to: bob.id });
    expect(toBob.body.activeResponder).toEqual({ principalId: bob.id, principalType: "user" });
    const q3 = await say(alice, c, "bob, your turn");
    await sleep(400);
    expect(hub.events.find((e) => e.body.type === "message.new" && e.body.data.message.id === q3.id)?.body).toMatchObject({ target: null, data: { respondent: { principalId: bob.id, principalType: "user" } } });
    expect([...standA.replies, ...standB.replies].some((r) => r.replyTo === q3.id)).toBe(false);

    const history = await api(url, `/api/conversations/${c}/handoffs`, { token: bob.token });
    expect(history.body.items.map((h: any) => [h.from?.principalId ?? null, h.to.principalId, h.by])).toEqual([
      [null, agentA.id, alice.id],
      [agentA.id, agentB.id, alice.id],
      [agentB.id, bob.id, alice.id],
    ]);
    expect(history.body.items.every((h: any) => typeof h.eventMessageId === "string")).toBe(true);
    expect((await api(url, `/api/conversations/${c}/handoffs`, { token: carol.token })).status).toBe(404);
    expect((await control(alice, c, { event: "handoff", to: bob.id })).status).toBe(409);
    expect((await control(alice, c, { event: "handoff", to: carol.id })).status).toBe(400);
  });

  it("route sends the next person's turn to the named assistant, once", async () => {
    const c = await conversationWith(agentA, agentB);
    await control(alice, c, { event: "handoff", to: agentA.id });
    expect((await control(bob, c, { event: "route", to: agentB.id })).status).toBe(403);
    expect((await control(alice, c, { event: "route", to: bob.id })).status).toBe(400);
    expect((await control(alice, c, { event: "route", to: "assistant:nobody" })).status).toBe(400);
    const routed = await control(alice, c, { event: "route", to: agentB.id });
    expect(routed.status).toBe(201);
    expect(routed.body.routedTo).toBe(agentB.id);
    const q1 = await say(bob, c, "for B");
    const r1 = await standB.replyTo(q1.id);
    await r1.done;
    expect(standA.replies.some((r) => r.replyTo === q1.id)).toBe(false);
    expect((await api(url, `/api/conversations/${c}`, { token: bob.token })).body.routedTo).toBeNull();
    const q2 = await say(bob, c, "back to A");
    const r2 = await standA.replyTo(q2.id);
    await r2.done;
    expect(standB.replies.some((r) => r.replyTo === q2.id)).toBe(false);
    const turn = hub.events.find((e) => e.body.type === "message.new" && e.body.data.message.id === q1.id)!.body;
    expect(turn).toMatchObject({ target: agentB.id, data: { routed: true }, principal: { id: bob.id, type: "user", entityId: bob.entityId } });
    expect(JSON.stringify(turn)).not.toContain(bob.token);
  });
});

describe("priority", () => {
  it("changes a message's priority, broadcast as message:updated", async () => {
    const c = await conversationWith(agentA);
    const s = await socketOf(bob);
    const updates = record(s, "message:updated");
    await standA.replyTo((await say(bob, c, "warm up")).id).then((r) => r.done);
    const m = await say(bob, c, "low stakes");
    const res = await control(bob, c, { event: "priority", messageId: m.id, priority: "critical" });
    expect(res.status).toBe(201);
    await updates.until((u) => u.some((x) => x.id === m.id && x.priority === "critical"));
    expect((await api(url, `/api/conversations/${c}/messages/${m.id}`, { token: bob.token })).body.priority).toBe("critical");
  });
});

describe("POST /api/conversations/:id/control validation and access", () => {
  it("answers 400 to unknown control names and bad fields, 403 without the entitlement or participation, 404 across orgs", async () => {
    const c = await conversationWith(agentA);
    const before = (await api(url, `/api/conversations/${c}`, { token: alice.token })).body.lastSequence;
    for (const body of [{ event: "explode" }, {}, { event: "pause", messageId: "x" }, { event: "route" }, { event: "priority", messageId: "00000000-0000-4000-8000-000000000000", priority: "meh" }]) {
      const res = await control(alice, c, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const c2 = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: viewer.id }] } })).body.id;
    expect((await control(viewer, c2, { event: "pause" })).status).toBe(403);
    expect((await control(carol, c, { event: "pause" })).status).toBe(404);
    expect((await control(viewer, c, { event: "pause" })).status).toBe(403);
    expect((await api(url, `/api/conversations/${c}/control`, { json: { event: "pause" } })).status).toBe(401);
    expect((await api(url, `/api/conversations/${c}`, { token: alice.token })).body.lastSequence).toBe(before);
    const s = await socketOf(carol);
    expect(await emitAck(s, "control:send", { conversationId: c, event: "cancel" })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });
});
