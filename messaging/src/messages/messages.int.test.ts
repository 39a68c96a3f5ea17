import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, api, registerOwner, startMessaging, type Member, type TestMessaging } from "../../test/harness.js";

let identity: IdentityProcess;
let messaging: TestMessaging;
let url: string;
let alice: Member;
let bob: Member;
let dave: Member; // same org, not a participant
let carol: Member; // other org
let conv: string;

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser();
  alice = await registerOwner(identity, "Alice");
  carol = await registerOwner(identity, "Carol");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  dave = await addUserToOrg(identity, alice, "member", "Dave");
  messaging = await startMessaging(identity);
  url = messaging.url;
  conv = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }] } })).body.id;
}, 120_000);
afterAll(async () => {
  await messaging?.close();
  await identity?.stop();
});

const send = (token: string, body: Record<string, unknown>, conversationId = conv) => api(url, `/api/conversations/${conversationId}/messages`, { token, json: body });
const count = async () => (await api(url, `/api/conversations/${conv}/messages?limit=500`, { token: alice.token })).body.items.length as number;

describe("POST /api/conversations/:id/messages", () => {
  it("stores a message with the next sequence, the sender and defaults", async () => {
    const res = await send(alice.token, { content: "hello" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ conversationId: conv, orgId: alice.orgId, content: "hello", contentType: "text", priority: "normal", status: "complete", replyTo: null, clientId: null, editedAt: null, deletedAt: null });
    expect(res.body.sender).toEqual({ principalId: alice.id, principalType: "user", entityId: alice.entityId });
    const next = await send(bob.token, { content: "**hi**", contentType: "markdown", priority: "high", metadata: { lang: "en" } });
    expect(next.body.sequence).toBe(res.body.sequence + 1);
    expect((await api(url, `/api/conversations/${conv}`, { token: bob.token })).body.lastSequence).toBe(next.body.sequence);
  });

  it("records the trace id of the request that created the message", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const res = await api(url, `/api/conversations/${conv}/messages`, { token: alice.token, json: { content: "traced" }, headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(res.body.traceId).toBe(traceId);
    const read = await api(url, `/api/conversations/${conv}/messages/${res.body.id}`, { token: alice.token });
    expect(read.body.traceId).toBe(traceId);
  });

  it("is idempotent by clientId: the same id returns the first message (200); in another conversation 409", async () => {
    const first = await send(alice.token, { content: "once", clientId: "c-1" });
    expect(first.status).toBe(201);
    const again = await send(alice.token, { content: "changed", clientId: "c-1" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const bobSame = await send(bob.token, { content: "bob's own", clientId: "c-1" });
    expect(bobSame.status).toBe(201);
    const other = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group" } })).body.id;
    const elsewhere = await send(alice.token, { content: "once", clientId: "c-1" }, other);
    expect(elsewhere.status).toBe(409);
    const concurrent = await Promise.all(Array.from({ length: 8 }, () => send(alice.token, { content: "race", clientId: "c-race" })));
    expect(new Set(concurrent.map((r) => r.body.id)).size).toBe(1);
    expect(concurrent.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it("threads replies, and refuses a replyTo outside the conversation", async () => {
    const root = (await send(alice.token, { content: "question?" })).body;
    const r1 = (await send(bob.token, { content: "answer 1", replyTo: root.id })).body;
    const r2 = (await send(alice.token, { content: "answer 2", replyTo: root.id })).body;
    const thread = await api(url, `/api/conversations/${conv}/messages/${root.id}/thread`, { token: bob.token });
    expect(thread.status).toBe(200);
    expect(thread.body.root.id).toBe(root.id);
    expect(thread.body.items.map((m: any) => m.id)).toEqual([r1.id, r2.id]);
    const other = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group" } })).body.id;
    const foreignReply = await send(alice.token, { content: "x", replyTo: root.id }, other);
    expect(foreignReply.status).toBe(400);
    expect(foreignReply.body.error.details.issues[0].path).toBe("replyTo");
  });

  it("answers 400 for bad input and stores nothing", async () => {
    const before = await count();
    const cases: Record<string, unknown>[] = [
      {},
      { content: "" },
      { content: 42 },
      { content: "x".repeat(32_001) },
      { content: "x", contentType: "event" },
      { content: "x", contentType: "html" },
      { content: "{oops", contentType: "json" },
      { content: "x", priority: "urgent" },
      { content: "x", replyTo: "not-a-uuid" },
      { content: "x", clientId: "has spaces" },
      { content: "x", metadata: "nope" },
      { content: "x", metadata: { big: "y".repeat(17_000) } },
    ];
    for (const body of cases) {
      const res = await send(alice.token, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await send(alice.token, { content: '{"ok":true}', contentType: "json" })).status).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it("answers 404 to another org, 403 to a non-participant, 401 without credentials", async () => {
    const before = await count();
    expect((await send(carol.token, { content: "intrusion" })).status).toBe(404);
    expect((await send(dave.token, { content: "intrusion" })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv}/messages`, { json: { content: "x" } })).status).toBe(401);
    expect((await api(url, `/api/conversations/${conv}/messages`, { token: carol.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv}/messages`, { token: dave.token })).status).toBe(403);
    expect(await count()).toBe(before);
  });
});

describe("GET /api/conversations/:id/messages", () => {
  it("pages by sequence: latest, after, before, oldest first, with nextCursor", async () => {
    const c = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }] } })).body.id;
    for (let i = 1; i <= 7; i++) await send(alice.token, { content: `m${i}` }, c);
    const latest = await api(url, `/api/conversations/${c}/messages?limit=3`, { token: bob.token });
    expect(latest.body.items.map((m: any) => m.sequence)).toEqual([5, 6, 7]);
    expect(latest.body.nextCursor).toBe("5");
    const before = await api(url, `/api/conversations/${c}/messages?limit=3&before=5`, { token: bob.token });
    expect(before.body.items.map((m: any) => m.content)).toEqual(["m2", "m3", "m4"]);
    const after = await api(url, `/api/conversations/${c}/messages?after=0&limit=4`, { token: bob.token });
    expect(after.body.items.map((m: any) => m.sequence)).toEqual([1, 2, 3, 4]);
    expect(after.body.nextCursor).toBe("4");
    const rest = await api(url, `/api/conversations/${c}/messages?after=4&limit=4`, { token: bob.token });
    expect(rest.body.items.map((m: any) => m.sequence)).toEqual([5, 6, 7]);
    expect(rest.body.nextCursor).toBeNull();
    for (const q of ["after=1&before=3", "limit=0", "limit=501", "after=-1", "before=0", "after=x"]) {
      expect((await api(url, `/api/conversations/${c}/messages?${q}`, { token: bob.token })).status, q).toBe(400);
    }
  });
});

describe("GET /api/conversations/:id/messages/:messageId[/thread]", () => {
  it("answers 400 for bad ids, 404 across orgs or conversations, 403 to non-participants", async () => {
    const m = (await send(alice.token, { content: "findable" })).body;
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { token: bob.token })).body.content).toBe("findable");
    expect((await api(url, `/api/conversations/${conv}/messages/not-a-uuid`, { token: bob.token })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}/thread?limit=0`, { token: bob.token })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { token: carol.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}/thread`, { token: carol.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { token: dave.token })).status).toBe(403);
    const other = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group" } })).body.id;
    expect((await api(url, `/api/conversations/${other}/messages/${m.id}`, { token: alice.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${other}/messages/${m.id}/thread`, { token: alice.token })).status).toBe(404);
  });
});

describe("PATCH/DELETE /api/conversations/:id/messages/:messageId", () => {
  it("lets only the sender edit", async () => {
    const m = (await send(alice.token, { content: "draft" })).body;
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "PATCH", token: bob.token, json: { content: "hijack" } })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "PATCH", token: carol.token, json: { content: "hijack" } })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "PATCH", token: alice.token, json: { content: "" } })).status).toBe(400);
    const edited = await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "PATCH", token: alice.token, json: { content: "final" } });
    expect(edited.status).toBe(200);
    expect(edited.body.content).toBe("final");
    expect(edited.body.editedAt).not.toBeNull();
    expect(edited.body.sequence).toBe(m.sequence);
    const fetched = await api(url, `/api/conversations/${conv}/messages/${m.id}`, { token: bob.token });
    expect(fetched.body.content).toBe("final");
    expect((await api(url, `/api/conversations/${conv}/messages/00000000-0000-4000-8000-000000000000`, { method: "PATCH", token: alice.token, json: { content: "x" } })).status).toBe(404);
  });

  it("soft-deletes (sender or admin): content gone from every read, row and sequence kept", async () => {
    const m = (await send(bob.token, { content: "secret", metadata: { k: "v" } })).body;
    const other = (await send(alice.token, { content: "alice's" })).body;
    expect((await api(url, `/api/conversations/${conv}/messages/${other.id}`, { method: "DELETE", token: bob.token })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "DELETE", token: carol.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "DELETE", token: bob.token })).status).toBe(204);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "DELETE", token: bob.token })).status).toBe(409);
    expect((await api(url, `/api/conversations/${conv}/messages/${other.id}`, { method: "DELETE", token: alice.token })).status).toBe(204);
    const one = await api(url, `/api/conversations/${conv}/messages/${m.id}`, { token: alice.token });
    expect(one.body).toMatchObject({ id: m.id, sequence: m.sequence, content: null, metadata: {} });
    expect(one.body.deletedAt).not.toBeNull();
    const page = await api(url, `/api/conversations/${conv}/messages?limit=500`, { token: alice.token });
    expect(JSON.stringify(page.body)).not.toContain("secret");
    expect(page.body.items.map((x: any) => x.id)).toContain(m.id);
    expect((await api(url, `/api/conversations/${conv}/messages/${m.id}`, { method: "PATCH", token: bob.token, json: { content: "back" } })).status).toBe(409);
  });
});
