import { randomBytes } from "node:crypto";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { MessagingError, websiteChat, type WebsiteChatEvent } from "@symbia/messaging-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, agentId, api, registerAgent, registerOwner, startMessaging, type Member, type TestMessaging } from "../../test/harness.js";
import { startStandIn, startWebhookHub, type StandIn, type WebhookHub } from "../../test/stand-in-assistant.js";

let identity: IdentityProcess;
let messaging: TestMessaging;
let hub: WebhookHub;
let url: string;
let alice: Member; // owner of the demo org
let bob: Member;
let carol: Member; // other org
let demo: Member; // the demo assistant
let assistant: StandIn;
const guestSecret = randomBytes(32).toString("hex");

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser();
  alice = await registerOwner(identity, "Alice");
  carol = await registerOwner(identity, "Carol");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  demo = await registerAgent(identity, alice, agentId("website"), ["cap:messaging.read", "cap:messaging.send"]);
  hub = await startWebhookHub();
  messaging = await startMessaging(identity, {
    env: {
      MESSAGING_ASSISTANT_WEBHOOK_URL: hub.url,
      MESSAGING_GUEST_SECRET: guestSecret,
      MESSAGING_DEMO_ORG_ID: alice.orgId,
      MESSAGING_DEMO_ASSISTANT_ID: demo.id,
      MESSAGING_GUEST_SENDS_PER_MINUTE: "3",
      MESSAGING_GUEST_SESSIONS_PER_IP: "4",
      MESSAGING_WEBSITE_REPLY_TIMEOUT_MS: "1500",
    },
  });
  url = messaging.url;
  assistant = await startStandIn({ url, agent: demo, hub, chunks: 10, intervalMs: 40 });
}, 120_000);
afterAll(async () => {
  assistant?.close();
  await messaging?.close();
  await hub?.close();
  await identity?.stop();
});

async function collect(options: Parameters<typeof websiteChat>[0]) {
  const events: (WebsiteChatEvent & { at: number })[] = [];
  for await (const e of websiteChat(options)) events.push({ ...e, at: Date.now() });
  return events;
}

describe("POST /api/messaging/send (guests)", () => {
  it("gives a visitor a guest session and streams the assistant's real chunks as they are generated", async () => {
    const events = await collect({ baseUrl: url, message: "Hello, what is Symbia?" });
    expect(events.map((e) => e.event).filter((e, i, all) => e !== "chunk" || all[i - 1] !== "chunk")).toEqual(["session", "message", "start", "chunk", "done"]);
    const session = events[0]!.data as any;
    expect(session.guestSession).toMatch(/^ey/);
    expect(session.principal).toMatchObject({ principalType: "guest" });
    expect(session.principal.principalId).toMatch(/^guest:[0-9a-f]{24}$/);
    const sent = events[1]!.data as any;
    expect(sent).toMatchObject({ content: "Hello, what is Symbia?", sequence: 1, conversationId: session.conversationId, orgId: alice.orgId });
    const reply = await assistant.replyTo(sent.id);
    const chunks = events.filter((e) => e.event === "chunk");
    expect(chunks.map((c) => (c.data as any).index)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(chunks.map((c) => (c.data as any).delta)).toEqual(reply.sent);
    // Live, not a finished reply cut up afterwards: the first chunk arrived before the assistant produced its last.
    expect(chunks[0]!.at).toBeLessThan(reply.sentAt.at(-1)!);
    const done = events.at(-1)!.data as any;
    expect(done).toMatchObject({ id: reply.messageId, status: "complete", replyTo: sent.id, content: reply.sent.join(""), sender: { principalId: demo.id } });
    // The turn went to the demo assistant over the bus, with the guest as acting principal.
    const turn = hub.events.find((e) => e.body.type === "message.new" && e.body.data.message.id === sent.id)!.body;
    expect(turn).toMatchObject({ target: demo.id, orgId: alice.orgId, principal: { id: session.principal.principalId, type: "user", entityId: session.principal.entityId } });

    // The session continues the same conversation.
    const next = await collect({ baseUrl: url, message: "And then?", guestSession: session.guestSession });
    expect(next[0]!.data).toMatchObject({ conversationId: session.conversationId, guestSession: null });
    expect((next[1]!.data as any).sequence).toBe(3);
    expect(next.at(-1)!.event).toBe("done");

    // Only this endpoint takes it: the guest token is no bearer token.
    expect((await api(url, `/api/conversations/${session.conversationId}/messages`, { token: session.guestSession })).status).toBe(401);
    // The org's members see the website conversation only if they take part in it.
    expect((await api(url, `/api/conversations/${session.conversationId}`, { token: bob.token })).status).toBe(403);
    // Per guest: 3 sends a minute.
    const third = await collect({ baseUrl: url, message: "third", guestSession: session.guestSession });
    expect(third.at(-1)!.event).toBe("done");
    const limited = await collect({ baseUrl: url, message: "fourth", guestSession: session.guestSession }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(MessagingError);
    expect(limited).toMatchObject({ status: 429, code: "rate_limited" });
  });

  it("refuses forged, expired or misused guest sessions and stores nothing", async () => {
    const first = await collect({ baseUrl: url, message: "hi" });
    const session = first[0]!.data as any;
    const count = async () => (await api(url, `/api/conversations/${session.conversationId}/messages?limit=100`, { token: demo.token })).body.items.length;
    const before = await count();
    await expect(collect({ baseUrl: url, message: "x", guestSession: `${session.guestSession}x` })).rejects.toMatchObject({ status: 401 });
    const { SignJWT } = await import("jose");
    const forged = await new SignJWT({ org: alice.orgId, cid: session.conversationId }).setProtectedHeader({ alg: "HS256" }).setSubject(`guest:${"a".repeat(24)}`).setIssuer("symbia-messaging").setAudience("symbia-messaging-guest").setExpirationTime("1h").sign(new TextEncoder().encode("x".repeat(32)));
    await expect(collect({ baseUrl: url, message: "x", guestSession: forged })).rejects.toMatchObject({ status: 401 });
    const expired = await new SignJWT({ org: alice.orgId, cid: session.conversationId }).setProtectedHeader({ alg: "HS256" }).setSubject(session.principal.principalId).setIssuer("symbia-messaging").setAudience("symbia-messaging-guest").setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(guestSecret));
    await expect(collect({ baseUrl: url, message: "x", guestSession: expired })).rejects.toMatchObject({ status: 401 });
    const other = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group" } })).body.id;
    await expect(collect({ baseUrl: url, message: "x", guestSession: session.guestSession, conversationId: other })).rejects.toMatchObject({ status: 403 });
    await expect(collect({ baseUrl: url, message: "x", conversationId: other })).rejects.toMatchObject({ status: 401 });
    for (const message of ["", " ", "x".repeat(2_001)]) await expect(collect({ baseUrl: url, message, guestSession: session.guestSession })).rejects.toMatchObject({ status: 400 });
    expect(await count()).toBe(before);
  });

  it("limits new guest sessions per IP", async () => {
    // Two sessions were made above; the limit is four per hour.
    const third = await collect({ baseUrl: url, message: "one more" });
    expect(third.at(-1)!.event).toBe("done");
    const fourth = await collect({ baseUrl: url, message: "last one" });
    expect(fourth.at(-1)!.event).toBe("done");
    const refused = await collect({ baseUrl: url, message: "too many" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
    expect((refused as MessagingError).details).toMatchObject({ retryAfterSeconds: expect.any(Number) });
  });
});

describe("POST /api/messaging/send (signed-in callers)", () => {
  it("streams the reply in one of the caller's conversations", async () => {
    const conv = (await api(url, "/api/conversations", { token: bob.token, json: { type: "private", participants: [{ principalId: demo.id }] } })).body.id;
    const events = await collect({ baseUrl: url, message: "hi from bob", credentials: { token: bob.token }, conversationId: conv });
    expect(events[0]!.data).toMatchObject({ conversationId: conv, guestSession: null, principal: { principalId: bob.id, principalType: "user" } });
    expect(events.at(-1)).toMatchObject({ event: "done", data: { status: "complete", sender: { principalId: demo.id } } });
    await expect(collect({ baseUrl: url, message: "x", credentials: { token: bob.token } })).rejects.toMatchObject({ status: 400 });
    await expect(collect({ baseUrl: url, message: "x", credentials: { token: carol.token }, conversationId: conv })).rejects.toMatchObject({ status: 404 });
  });

  it("pauses and resumes the SSE stream with the reply", async () => {
    const conv = (await api(url, "/api/conversations", { token: bob.token, json: { type: "private", participants: [{ principalId: demo.id }] } })).body.id;
    const seen: { event: string; at: number }[] = [];
    let pausedAt = 0;
    for await (const e of websiteChat({ baseUrl: url, message: "take your time", credentials: { token: bob.token }, conversationId: conv })) {
      seen.push({ event: e.event, at: Date.now() });
      if (e.event === "chunk" && e.data.index === 1) {
        expect((await api(url, `/api/conversations/${conv}/control`, { token: bob.token, json: { event: "pause" } })).status).toBe(201);
        pausedAt = Date.now();
        setTimeout(() => void api(url, `/api/conversations/${conv}/control`, { token: bob.token, json: { event: "resume" } }), 600);
      }
    }
    const events = seen.map((x) => x.event);
    const paused = events.indexOf("paused");
    const resumed = events.indexOf("resumed");
    expect(paused).toBeGreaterThan(0);
    expect(resumed).toBeGreaterThan(paused);
    // Nothing between the pause and the resume, then the rest of the reply.
    expect(events.slice(paused + 1, resumed)).toEqual([]);
    expect(seen[resumed]!.at - pausedAt).toBeGreaterThanOrEqual(500);
    expect(events.filter((e) => e === "chunk")).toHaveLength(10);
    expect(events.at(-1)).toBe("done");
  });

  it("ends with an error event when no reply comes in time", async () => {
    const conv = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }, { principalId: demo.id }] } })).body.id;
    await api(url, `/api/conversations/${conv}/control`, { token: alice.token, json: { event: "handoff", to: bob.id } });
    const events = await collect({ baseUrl: url, message: "anyone?", credentials: { token: alice.token }, conversationId: conv });
    expect(events.map((e) => e.event)).toEqual(["session", "message", "error"]);
    expect(events[2]!.data).toMatchObject({ code: "timeout" });
  });
});

describe("POST /api/messaging/send without guest chat", () => {
  it("answers 401 to visitors when no guest secret is configured, and 429 past the per-IP limit", async () => {
    const plain = await startMessaging(identity, { env: { MESSAGING_WEBSITE_SENDS_PER_IP: "2" } });
    try {
      await expect(collect({ baseUrl: plain.url, message: "hi" })).rejects.toMatchObject({ status: 401 });
      await expect(collect({ baseUrl: plain.url, message: "hi" })).rejects.toMatchObject({ status: 401 });
      await expect(collect({ baseUrl: plain.url, message: "hi" })).rejects.toMatchObject({ status: 429 });
    } finally {
      await plain.close();
    }
  });
});
