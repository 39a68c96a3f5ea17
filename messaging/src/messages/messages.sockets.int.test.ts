import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, agentId, api, connect, emitAck, record, registerAgent, registerOwner, sleep, startMessaging, type Member, type TestMessaging } from "../../test/harness.js";

let identity: IdentityProcess;
let messaging: TestMessaging;
let url: string;
let alice: Member;
let bob: Member;
let dave: Member;
let carol: Member;
let agent: Member;
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
  dave = await addUserToOrg(identity, alice, "member", "Dave");
  agent = await registerAgent(identity, alice, agentId("bot"));
  messaging = await startMessaging(identity);
  url = messaging.url;
  conv = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }, { principalId: agent.id }] } })).body.id;
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await messaging?.close();
  await identity?.stop();
});

describe("message:send and message:new", () => {
  it("gives each message sent over one socket its own trace", async () => {
    const a = await socketOf(alice);
    const first = await emitAck(a, "message:send", { conversationId: conv, content: "turn one" });
    const second = await emitAck(a, "message:send", { conversationId: conv, content: "turn two" });
    expect(first.ok && second.ok).toBe(true);
    const [one, two] = [first.ok ? first.data.traceId : null, second.ok ? second.data.traceId : null];
    expect(one).toMatch(/^[0-9a-f]{32}$/);
    expect(two).toMatch(/^[0-9a-f]{32}$/);
    expect(one).not.toBe(two);
  });

  it("two users and an agent receive the same messages with the same sequences", async () => {
    const [a, b, g] = [await socketOf(alice), await socketOf(bob), await socketOf(agent)];
    const seen = [record(a, "message:new"), record(b, "message:new"), record(g, "message:new")];
    const sent = [];
    for (const [s, text] of [[a, "from alice"], [b, "from bob"], [g, "from the agent"], [a, "again alice"]] as const) {
      const ack = await emitAck(s, "message:send", { conversationId: conv, content: text, clientId: `sock-${text.replace(/ /g, "-")}` });
      expect(ack.ok).toBe(true);
      sent.push(ack.ok ? ack.data : null);
    }
    await Promise.all(seen.map((r) => r.until((items) => items.filter((m) => m.conversationId === conv).length >= 4)));
    const views = seen.map((r) => r.items.filter((m) => m.conversationId === conv).map((m) => [m.sequence, m.content, m.sender.principalId]));
    expect(views[0]).toEqual(views[1]);
    expect(views[1]).toEqual(views[2]);
    const seqs = views[0]!.map((v) => v[0] as number);
    expect(seqs).toEqual(sent.map((m) => m!.sequence));
    expect(seqs.slice(1).every((s, i) => s === seqs[i]! + 1)).toBe(true);
    expect(views[0]!.map((v) => v[2])).toEqual([alice.id, bob.id, agent.id, alice.id]);
  });

  it("gives 200 concurrent senders sequences 1..200 exactly, and every socket sees each once", async () => {
    const c = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }, { principalId: agent.id }] } })).body.id;
    const senders = [await socketOf(alice), await socketOf(bob), await socketOf(agent)];
    const watcher = record(await socketOf(bob), "message:new");
    const acks = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 4 === 3 ? api(url, `/api/conversations/${c}/messages`, { token: alice.token, json: { content: `rest ${i}` } }).then((r) => ({ ok: r.status === 201, data: r.body })) : emitAck(senders[i % 3]!, "message:send", { conversationId: c, content: `socket ${i}` }, 30_000),
      ),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    const sequences = acks.map((a) => (a as { data: { sequence: number } }).data.sequence).sort((x, y) => x - y);
    expect(sequences).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    await watcher.until((items) => items.filter((m) => m.conversationId === c).length >= 200, 30_000);
    const received = watcher.items.filter((m) => m.conversationId === c).map((m) => m.sequence as number);
    expect(new Set(received).size).toBe(200);
    const stored = await api(url, `/api/conversations/${c}/messages?after=0&limit=500`, { token: bob.token });
    expect(stored.body.items.map((m: any) => m.sequence)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await api(url, `/api/conversations/${c}`, { token: bob.token })).body.lastSequence).toBe(200);
  }, 120_000);
});

describe("tenancy on sockets", () => {
  it("answers an error ack to another org (not_found) and to a non-participant (forbidden), and stores nothing", async () => {
    const before = (await api(url, `/api/conversations/${conv}`, { token: alice.token })).body.lastSequence;
    const foreign = await emitAck(await socketOf(carol), "message:send", { conversationId: conv, content: "intrusion" });
    expect(foreign).toMatchObject({ ok: false, error: { code: "not_found" } });
    const outsider = await socketOf(dave);
    const outsiderSeen = record(outsider, "message:new");
    expect(await emitAck(outsider, "message:send", { conversationId: conv, content: "intrusion" })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await emitAck(outsider, "conversation:sync", { conversations: [{ conversationId: conv, afterSequence: 0 }] })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await emitAck(outsider, "typing:start", { conversationId: conv })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    await emitAck(await socketOf(alice), "message:send", { conversationId: conv, content: "members only" });
    await sleep(200);
    expect(outsiderSeen.items).toEqual([]);
    expect((await api(url, `/api/conversations/${conv}`, { token: alice.token })).body.lastSequence).toBe(before + 1);
  });

  it("refuses connections without valid credentials or with a foreign org", async () => {
    await expect(connect(url, { token: "garbage" })).rejects.toThrow();
    await expect(connect(url, { token: "" })).rejects.toThrow();
    await expect(connect(url, alice, { orgId: carol.orgId })).rejects.toThrow(/organization/);
  });
});

describe("payload validation on every socket event", () => {
  it("answers each bad payload with a validation_failed ack and changes nothing", async () => {
    const s = await socketOf(alice);
    const other = record(await socketOf(bob), "message:new");
    const sends = (await api(url, `/api/conversations/${conv}`, { token: alice.token })).body.lastSequence;
    const cases: [string, unknown][] = [
      ["message:send", undefined],
      ["message:send", "text"],
      ["message:send", { conversationId: conv }],
      ["message:send", { conversationId: "nope", content: "x" }],
      ["message:send", { conversationId: conv, content: "x", contentType: "event" }],
      ["message:send", { conversationId: conv, content: "{", contentType: "json" }],
      ["message:send", { conversationId: conv, content: "x", metadata: { b: Buffer.from("bin") } }],
      ["message:edit", { conversationId: conv, messageId: "x", content: "y" }],
      ["message:edit", { conversationId: conv, messageId: "00000000-0000-4000-8000-000000000000" }],
      ["message:delete", { conversationId: conv }],
      ["message:read", { conversationId: conv, sequence: -1 }],
      ["conversation:sync", { conversations: [] }],
      ["conversation:sync", { conversations: [{ conversationId: conv }] }],
      ["conversation:list", { limit: 0 }],
      ["control:send", { conversationId: conv, event: "explode" }],
      ["control:send", { conversationId: conv }],
      ["control:send", { conversationId: conv, event: "route" }],
      ["stream:start", { conversationId: "x" }],
      ["stream:start", { conversationId: conv, messageId: "not-uuid" }],
      ["stream:chunk", { messageId: "00000000-0000-4000-8000-000000000000", index: -1, delta: "x" }],
      ["stream:chunk", { messageId: "00000000-0000-4000-8000-000000000000", index: 0 }],
      ["stream:end", {}],
      ["typing:start", {}],
      ["typing:stop", { conversationId: 5 }],
      ["presence:set", { status: "offline" }],
      ["presence:set", { status: "dancing" }],
      ["presence:list", { extra: true }],
    ];
    for (const [event, payload] of cases) {
      const ack = await emitAck(s, event, payload);
      expect(ack.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
      expect((ack as { error: { code: string } }).error.code, `${event} ${JSON.stringify(payload)}`).toBe("validation_failed");
    }
    await sleep(100);
    expect(other.items.filter((m) => m.conversationId === conv)).toEqual([]);
    expect((await api(url, `/api/conversations/${conv}`, { token: alice.token })).body.lastSequence).toBe(sends);
    expect(messaging.deps.streams.all()).toEqual([]);
  });
});

describe("socket rate limits", () => {
  it("answers rate_limited past 100 message:send per second on one socket", async () => {
    const c = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group" } })).body.id;
    const s = await socketOf(alice);
    const acks = await Promise.all(Array.from({ length: 110 }, (_, i) => emitAck(s, "message:send", { conversationId: c, content: `burst ${i}` }, 30_000)));
    const refused = acks.filter((a) => !a.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => (a as { error: { code: string } }).error.code === "rate_limited")).toBe(true);
    expect((await api(url, `/api/conversations/${c}`, { token: alice.token })).body.lastSequence).toBe(110 - refused.length);
  }, 60_000);
});

describe("conversation:sync", () => {
  it("returns what came after the given sequence, oldest first, with hasMore", async () => {
    const c = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }] } })).body.id;
    for (let i = 1; i <= 5; i++) await api(url, `/api/conversations/${c}/messages`, { token: alice.token, json: { content: `s${i}` } });
    const s = await socketOf(bob);
    const ack = await emitAck(s, "conversation:sync", { conversations: [{ conversationId: c, afterSequence: 2 }], limit: 2 });
    expect(ack.ok).toBe(true);
    const item = (ack as any).data.items[0];
    expect(item.messages.map((m: any) => m.content)).toEqual(["s3", "s4"]);
    expect(item).toMatchObject({ conversationId: c, hasMore: true, lastSequence: 5 });
  });
});
