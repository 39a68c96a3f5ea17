import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, agentId, api, registerAgent, registerOwner, startMessaging, type Member, type TestMessaging } from "../../test/harness.js";

let identity: IdentityProcess;
let messaging: TestMessaging;
let url: string;
let alice: Member; // owner of org A
let bob: Member; // member of org A
let dave: Member; // member of org A, not in the conversations below
let viewer: Member; // viewer of org A (no cap:messaging.send)
let carol: Member; // owner of org B
let agent: Member;

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser(); // the first user becomes super admin: keep it out of the tests
  alice = await registerOwner(identity, "Alice");
  carol = await registerOwner(identity, "Carol");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  dave = await addUserToOrg(identity, alice, "member", "Dave");
  viewer = await addUserToOrg(identity, alice, "viewer", "Vera");
  agent = await registerAgent(identity, alice, agentId("helper"));
  messaging = await startMessaging(identity);
  url = messaging.url;
}, 120_000);
afterAll(async () => {
  await messaging?.close();
  await identity?.stop();
});

const group = (token: string, participants: unknown[], extra: Record<string, unknown> = {}) => api(url, "/api/conversations", { token, json: { type: "group", name: "Team", participants, ...extra } });

describe("POST /api/conversations", () => {
  it("creates a group with a user (by principal id) and an agent (by entity id); the creator is owner", async () => {
    const res = await group(alice.token, [{ principalId: bob.id }, { entityId: agent.entityId, role: "admin" }]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: "group", name: "Team", orgId: alice.orgId, createdBy: alice.id, lastSequence: 0, activeResponder: null, routedTo: null, joinPolicy: "invite" });
    const parts = await api(url, `/api/conversations/${res.body.id}/participants`, { token: bob.token });
    expect(parts.status).toBe(200);
    expect(parts.body.items.map((p: any) => [p.principalId, p.principalType, p.role, p.entityId])).toEqual([
      [alice.id, "user", "owner", alice.entityId],
      [bob.id, "user", "member", bob.entityId],
      [agent.id, "agent", "admin", agent.entityId],
    ]);
  });

  it("answers 400 for a private conversation without exactly one other participant, and for an unknown type", async () => {
    const none = await api(url, "/api/conversations", { token: alice.token, json: { type: "private", participants: [] } });
    expect(none.status).toBe(400);
    expect(none.body.error.details.issues.map((i: any) => i.path)).toContain("body.participants");
    const two = await api(url, "/api/conversations", { token: alice.token, json: { type: "private", participants: [{ principalId: bob.id }, { principalId: dave.id }] } });
    expect(two.status).toBe(400);
    const channel = await api(url, "/api/conversations", { token: alice.token, json: { type: "channel" } });
    expect(channel.status).toBe(400);
    expect(channel.body.error.details.issues[0].path).toBe("body.type");
    const website = await api(url, "/api/conversations", { token: alice.token, json: { type: "website" } });
    expect(website.status).toBe(400);
    const both = await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id, entityId: bob.entityId }] } });
    expect(both.status).toBe(400);
  });

  it("answers 400 for a participant of another org, listed twice, or the creator itself, and stores nothing", async () => {
    const before = (await api(url, "/api/conversations", { token: alice.token })).body.items.length;
    const foreign = await group(alice.token, [{ principalId: carol.id }]);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details.issues[0].path).toBe("body.participants.0");
    expect((await group(alice.token, [{ principalId: bob.id }, { entityId: bob.entityId }])).status).toBe(400);
    expect((await group(alice.token, [{ principalId: alice.id }])).status).toBe(400);
    expect((await api(url, "/api/conversations", { token: alice.token })).body.items.length).toBe(before);
  });

  it("answers 401 without credentials and 403 without cap:messaging.send", async () => {
    expect((await api(url, "/api/conversations", { json: { type: "group" } })).status).toBe(401);
    expect((await api(url, "/api/conversations", { token: "not-a-token", json: { type: "group" } })).status).toBe(401);
    const res = await group(viewer.token, []);
    expect(res.status).toBe(403);
    expect(res.body.error.details.entitlement).toBe("cap:messaging.send");
  });

  it("answers 403 for an X-Org-Id the caller does not belong to", async () => {
    expect((await api(url, "/api/conversations", { token: alice.token, orgId: carol.orgId })).status).toBe(403);
  });
});

describe("GET /api/conversations[/:id]", () => {
  it("lists only the caller's conversations, newest activity first, with a cursor", async () => {
    const a = (await group(alice.token, [{ principalId: dave.id }], { name: "Paged A" })).body;
    const b = (await group(alice.token, [{ principalId: dave.id }], { name: "Paged B" })).body;
    const first = await api(url, "/api/conversations?limit=1", { token: dave.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((c: any) => c.id)).toEqual([b.id]);
    expect(first.body.nextCursor).toBe("1");
    const second = await api(url, `/api/conversations?limit=1&cursor=${first.body.nextCursor}`, { token: dave.token });
    expect(second.body.items.map((c: any) => c.id)).toEqual([a.id]);
    const carolList = await api(url, "/api/conversations", { token: carol.token });
    expect(carolList.body.items.map((c: any) => c.id)).not.toContain(a.id);
    expect((await api(url, "/api/conversations?limit=0", { token: dave.token })).status).toBe(400);
    expect((await api(url, "/api/conversations?cursor=abc", { token: dave.token })).status).toBe(400);
  });

  it("answers 404 for another org's conversation, 403 for a non-participant of the same org, 400 for a bad id", async () => {
    const conv = (await group(alice.token, [{ principalId: bob.id }])).body;
    expect((await api(url, `/api/conversations/${conv.id}`, { token: bob.token })).status).toBe(200);
    const other = await api(url, `/api/conversations/${conv.id}`, { token: carol.token });
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain("Team");
    expect((await api(url, `/api/conversations/${conv.id}`, { token: dave.token })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv.id}/participants`, { token: dave.token })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv.id}/participants`, { token: carol.token })).status).toBe(404);
    expect((await api(url, "/api/conversations/not-a-uuid", { token: bob.token })).status).toBe(400);
    expect((await api(url, "/api/conversations/00000000-0000-4000-8000-000000000000", { token: bob.token })).status).toBe(404);
  });
});

describe("PATCH/DELETE /api/conversations/:id", () => {
  it("lets owners and admins rename, not members; only owners delete", async () => {
    const conv = (await group(alice.token, [{ principalId: bob.id }, { principalId: dave.id, role: "admin" }])).body;
    expect((await api(url, `/api/conversations/${conv.id}`, { method: "PATCH", token: bob.token, json: { name: "Mine" } })).status).toBe(403);
    const renamed = await api(url, `/api/conversations/${conv.id}`, { method: "PATCH", token: dave.token, json: { name: "Renamed", metadata: { topic: "x" } } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Renamed", metadata: { topic: "x" } });
    expect((await api(url, `/api/conversations/${conv.id}`, { method: "PATCH", token: dave.token, json: {} })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv.id}`, { method: "PATCH", token: carol.token, json: { name: "x" } })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv.id}`, { method: "DELETE", token: dave.token })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv.id}`, { method: "DELETE", token: carol.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv.id}`, { method: "DELETE", token: alice.token })).status).toBe(204);
    expect((await api(url, `/api/conversations/${conv.id}`, { token: alice.token })).status).toBe(404);
  });
});

describe("participants", () => {
  it("lets owners and admins add, members not; private conversations keep their two", async () => {
    const conv = (await group(alice.token, [{ principalId: bob.id }])).body;
    expect((await api(url, `/api/conversations/${conv.id}/participants`, { token: bob.token, json: { principalId: dave.id } })).status).toBe(403);
    const added = await api(url, `/api/conversations/${conv.id}/participants`, { token: alice.token, json: { principalId: dave.id } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ principalId: dave.id, role: "member", principalType: "user" });
    expect((await api(url, `/api/conversations/${conv.id}/participants`, { token: alice.token, json: { principalId: dave.id } })).status).toBe(409);
    expect((await api(url, `/api/conversations/${conv.id}/participants`, { token: alice.token, json: { principalId: carol.id } })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv.id}/participants`, { token: alice.token, json: {} })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv.id}/participants`, { token: carol.token, json: { principalId: dave.id } })).status).toBe(404);
    const dm = (await api(url, "/api/conversations", { token: alice.token, json: { type: "private", participants: [{ principalId: bob.id }] } })).body;
    expect((await api(url, `/api/conversations/${dm.id}/participants`, { token: alice.token, json: { principalId: dave.id } })).status).toBe(409);
    expect((await api(url, `/api/conversations/${dm.id}/leave`, { method: "POST", token: bob.token })).status).toBe(409);
  });

  it("applies removal rules: admins remove members only, anyone leaves, the last owner stays", async () => {
    const conv = (await group(alice.token, [{ principalId: bob.id, role: "admin" }, { principalId: dave.id }])).body;
    expect((await api(url, `/api/conversations/${conv.id}/participants/${alice.id}`, { method: "DELETE", token: bob.token })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${dave.id}`, { method: "DELETE", token: carol.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${dave.id}`, { method: "DELETE", token: bob.token })).status).toBe(204);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${dave.id}`, { method: "DELETE", token: bob.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv.id}/leave`, { method: "POST", token: alice.token })).status).toBe(409);
    expect((await api(url, `/api/conversations/${conv.id}/leave`, { method: "POST", token: carol.token })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${bob.id}`, { method: "PATCH", token: carol.token, json: { role: "member" } })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv.id}/participants/nobody`, { method: "PATCH", token: alice.token, json: { role: "member" } })).status).toBe(404);
    expect((await api(url, `/api/conversations/${conv.id}/participants/bad%20id`, { method: "DELETE", token: alice.token })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${bob.id}`, { method: "PATCH", token: bob.token, json: { role: "owner" } })).status).toBe(403);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${bob.id}`, { method: "PATCH", token: alice.token, json: { role: "king" } })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${alice.id}`, { method: "PATCH", token: alice.token, json: { role: "member" } })).status).toBe(409);
    expect((await api(url, `/api/conversations/${conv.id}/participants/${bob.id}`, { method: "PATCH", token: alice.token, json: { role: "owner" } })).body.role).toBe("owner");
    expect((await api(url, `/api/conversations/${conv.id}/leave`, { method: "POST", token: alice.token })).status).toBe(204);
    expect((await api(url, `/api/conversations/${conv.id}`, { token: alice.token })).status).toBe(403);
  });

  it("lets org members join open groups only", async () => {
    const closed = (await group(alice.token, [])).body;
    expect((await api(url, `/api/conversations/${closed.id}/join`, { method: "POST", token: dave.token })).status).toBe(403);
    const open = (await group(alice.token, [], { joinPolicy: "open" })).body;
    expect((await api(url, `/api/conversations/${open.id}/join`, { method: "POST", token: carol.token })).status).toBe(404);
    const joined = await api(url, `/api/conversations/${open.id}/join`, { method: "POST", token: dave.token });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ principalId: dave.id, role: "member" });
    expect((await api(url, `/api/conversations/${open.id}/join`, { method: "POST", token: dave.token })).status).toBe(409);
    expect((await api(url, "/api/conversations", { token: alice.token, json: { type: "private", joinPolicy: "open", participants: [{ principalId: bob.id }] } })).status).toBe(400);
  });
});

describe("PUT /api/conversations/:id/read", () => {
  it("moves the read marker forward only, within the conversation's sequences", async () => {
    const conv = (await group(alice.token, [{ principalId: bob.id }])).body;
    for (let i = 0; i < 3; i++) await api(url, `/api/conversations/${conv.id}/messages`, { token: alice.token, json: { content: `m${i}` } });
    expect((await api(url, `/api/conversations/${conv.id}/read`, { method: "PUT", token: bob.token, json: { sequence: 4 } })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv.id}/read`, { method: "PUT", token: bob.token, json: { sequence: -1 } })).status).toBe(400);
    expect((await api(url, `/api/conversations/${conv.id}/read`, { method: "PUT", token: bob.token, json: { sequence: 3 } })).body).toEqual({ conversationId: conv.id, principalId: bob.id, sequence: 3 });
    await api(url, `/api/conversations/${conv.id}/read`, { method: "PUT", token: bob.token, json: { sequence: 1 } });
    const parts = await api(url, `/api/conversations/${conv.id}/participants`, { token: alice.token });
    expect(parts.body.items.find((p: any) => p.principalId === bob.id).lastReadSequence).toBe(3);
    expect((await api(url, `/api/conversations/${conv.id}/read`, { method: "PUT", token: carol.token, json: { sequence: 1 } })).status).toBe(404);
  });
});
