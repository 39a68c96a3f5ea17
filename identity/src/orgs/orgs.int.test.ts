import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PASSWORD, registerUser, startIdentity, type TestIdentity } from "../../test/harness.js";

let identity: TestIdentity;
let url: string;
let alice: Awaited<ReturnType<typeof registerUser>>;
let bob: Awaited<ReturnType<typeof registerUser>>;
let carol: Awaited<ReturnType<typeof registerUser>>;
const relogin = async (email: string) => (await call(`${url}/api/auth/login`, { json: { email, password: PASSWORD } })).body.accessToken as string;

beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  await registerUser(url); // super admin
  alice = await registerUser(url, { orgName: "Alice Co" });
  bob = await registerUser(url, { orgName: "Bob Co" });
  carol = await registerUser(url, { orgName: null });
});
afterAll(() => identity.close());

describe("organizations", () => {
  it("creates, lists, renames and gets an org; the creator is owner", async () => {
    const created = await call(`${url}/api/orgs`, { token: alice.token, json: { name: "Side Project" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Side Project", slug: "side-project", role: "owner", rateLimit: null });
    const token = await relogin(alice.email);
    const list = await call(`${url}/api/orgs`, { token });
    expect(list.body.items.map((o: { name: string }) => o.name)).toEqual(["Alice Co", "Side Project"]);
    const renamed = await call(`${url}/api/orgs/${created.body.id}`, { method: "PATCH", token, json: { name: "Renamed" } });
    expect(renamed.body.name).toBe("Renamed");
    expect((await call(`${url}/api/orgs/${created.body.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await call(`${url}/api/orgs/${created.body.id}`, { token })).status).toBe(404);
  });

  it("answers 404 for another tenant's org on every route, and 400 for a malformed id", async () => {
    const target = `${url}/api/orgs/${alice.orgId}`;
    expect((await call(target, { token: bob.token })).status).toBe(404);
    expect((await call(target, { method: "PATCH", token: bob.token, json: { name: "x" } })).status).toBe(404);
    expect((await call(target, { method: "DELETE", token: bob.token })).status).toBe(404);
    expect((await call(`${target}/members`, { token: bob.token })).status).toBe(404);
    expect((await call(`${target}/projects`, { token: bob.token })).status).toBe(404);
    expect((await call(`${url}/api/orgs/not-a-uuid`, { token: bob.token })).status).toBe(400);
    expect((await call(target)).status).toBe(401);
  });

  it("sets a tenant rate limit that reaches the members' tokens", async () => {
    const set = await call(`${url}/api/orgs/${bob.orgId}/limits`, { method: "PUT", token: bob.token, json: { points: 500, durationSeconds: 60 } });
    expect(set.body.rateLimit).toEqual({ points: 500, durationSeconds: 60 });
    const token = await relogin(bob.email);
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(payload.orgs[0].rl).toEqual([500, 60]);
    expect((await call(`${url}/api/orgs/${bob.orgId}/limits`, { method: "PUT", token: bob.token, json: { points: 0, durationSeconds: 60 } })).status).toBe(400);
  });
});

describe("members and roles", () => {
  it("adds an existing user, changes roles under the rules, and keeps the last owner", async () => {
    const added = await call(`${url}/api/orgs/${alice.orgId}/members`, { token: alice.token, json: { email: carol.email, role: "admin" } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ userId: carol.principal.id, role: "admin" });
    const carolToken = await relogin(carol.email);
    // An admin cannot make an owner, nor demote the owner.
    expect((await call(`${url}/api/orgs/${alice.orgId}/members/${carol.principal.id}`, { method: "PATCH", token: carolToken, json: { role: "owner" } })).status).toBe(403);
    expect((await call(`${url}/api/orgs/${alice.orgId}/members/${alice.principal.id}`, { method: "PATCH", token: carolToken, json: { role: "member" } })).status).toBe(403);
    // The only owner cannot step down.
    expect((await call(`${url}/api/orgs/${alice.orgId}/members/${alice.principal.id}`, { method: "PATCH", token: alice.token, json: { role: "admin" } })).status).toBe(409);
    expect((await call(`${url}/api/orgs/${alice.orgId}/members`, { token: alice.token, json: { email: carol.email, role: "member" } })).status).toBe(409);
    expect((await call(`${url}/api/orgs/${alice.orgId}/members`, { token: alice.token, json: { email: "ghost@example.com" } })).status).toBe(404);
    expect((await call(`${url}/api/orgs/${alice.orgId}/members`, { token: alice.token, json: { email: carol.email, role: "emperor" } })).status).toBe(400);
    const demoted = await call(`${url}/api/orgs/${alice.orgId}/members/${carol.principal.id}`, { method: "PATCH", token: alice.token, json: { role: "viewer" } });
    expect(demoted.body.role).toBe("viewer");
    // Identity applies the new role at once, even to a token issued before the change.
    expect((await call(`${url}/api/orgs/${alice.orgId}/members`, { token: carolToken, json: { email: bob.email } })).status).toBe(403);
    expect((await call(`${url}/api/orgs/${alice.orgId}/members/${carol.principal.id}`, { method: "DELETE", token: carolToken })).status).toBe(204);
    expect((await call(`${url}/api/orgs/${alice.orgId}`, { token: carolToken })).status).toBe(404);
  });
});

describe("invitations", () => {
  it("invites an existing user who accepts and becomes a member", async () => {
    const invited = await call(`${url}/api/orgs/${bob.orgId}/invitations`, { token: bob.token, json: { email: carol.email, role: "member" } });
    expect(invited.status).toBe(201);
    const carolToken = await relogin(carol.email);
    const mine = await call(`${url}/api/invitations`, { token: carolToken });
    expect(mine.body.items).toEqual([expect.objectContaining({ id: invited.body.id, orgName: "Bob Co", role: "member" })]);
    // Nobody else can accept it.
    expect((await call(`${url}/api/invitations/${invited.body.id}/accept`, { token: alice.token, json: {} })).status).toBe(404);
    const accepted = await call(`${url}/api/invitations/${invited.body.id}/accept`, { token: carolToken, json: {} });
    expect(accepted.body.status).toBe("accepted");
    const members = await call(`${url}/api/orgs/${bob.orgId}/members`, { token: bob.token });
    expect(members.body.items.map((m: { email: string }) => m.email)).toContain(carol.email);
  });

  it("lets the invitee decline: no membership, the invitation is spent, nobody else can answer it", async () => {
    const dave = await registerUser(url, { orgName: null });
    const invited = await call(`${url}/api/orgs/${bob.orgId}/invitations`, { token: bob.token, json: { email: dave.email, role: "admin" } });
    expect(invited.status).toBe(201);
    const id = invited.body.id as string;
    // Another user (of another org) cannot decline it; no token → 401; a malformed id → 400.
    expect((await call(`${url}/api/invitations/${id}/decline`, { token: alice.token, json: {} })).status).toBe(404);
    expect((await call(`${url}/api/invitations/${id}/decline`, { json: {} })).status).toBe(401);
    const bad = await call(`${url}/api/invitations/${"x".repeat(65)}/decline`, { token: dave.token, json: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("params.invitationId");
    const declined = await call(`${url}/api/invitations/${id}/decline`, { token: dave.token, json: {} });
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ id, orgId: bob.orgId, status: "declined" });
    // Spent: no longer pending, cannot be accepted afterwards, and Dave is not a member.
    expect((await call(`${url}/api/invitations`, { token: dave.token })).body.items).toEqual([]);
    expect((await call(`${url}/api/invitations/${id}/accept`, { token: dave.token, json: {} })).status).toBe(404);
    const members = await call(`${url}/api/orgs/${bob.orgId}/members`, { token: bob.token });
    expect(members.body.items.map((m: { email: string }) => m.email)).not.toContain(dave.email);
    expect((await call(`${url}/api/orgs/${bob.orgId}`, { token: await relogin(dave.email) })).status).toBe(404);
    const listed = await call(`${url}/api/orgs/${bob.orgId}/invitations`, { token: bob.token });
    expect(listed.body.items.find((i: { id: string }) => i.id === id)).toMatchObject({ status: "declined" });
  });

  it("refuses invitations to unknown emails and from non-admins", async () => {
    expect((await call(`${url}/api/orgs/${bob.orgId}/invitations`, { token: bob.token, json: { email: "nobody@example.com" } })).status).toBe(404);
    expect((await call(`${url}/api/orgs/${bob.orgId}/invitations`, { token: alice.token, json: { email: carol.email } })).status).toBe(404);
  });
});

describe("projects → applications → services", () => {
  it("builds the hierarchy, checks parents in the same org, and hides it from other orgs", async () => {
    const base = `${url}/api/orgs/${alice.orgId}`;
    const project = await call(`${base}/projects`, { token: alice.token, json: { name: "Chat", description: "the chat app" } });
    expect(project.status).toBe(201);
    const app = await call(`${base}/projects/${project.body.id}/applications`, { token: alice.token, json: { name: "web" } });
    expect(app.body).toMatchObject({ projectId: project.body.id, name: "web" });
    const svc = await call(`${base}/applications/${app.body.id}/services`, { token: alice.token, json: { name: "api" } });
    expect(svc.body).toMatchObject({ applicationId: app.body.id });
    expect((await call(`${base}/projects`, { token: alice.token, json: { name: "Chat" } })).status).toBe(409);
    expect((await call(`${base}/projects/${project.body.id}/applications`, { token: alice.token })).body.items).toHaveLength(1);
    // Another org cannot read or attach to it.
    const bobBase = `${url}/api/orgs/${bob.orgId}`;
    expect((await call(`${bobBase}/projects/${project.body.id}/applications`, { token: bob.token, json: { name: "steal" } })).status).toBe(404);
    expect((await call(`${bobBase}/projects/${project.body.id}`, { token: bob.token })).status).toBe(404);
    expect((await call(`${base}/projects/${project.body.id}`, { token: bob.token })).status).toBe(404);
    const patched = await call(`${base}/projects/${project.body.id}`, { method: "PATCH", token: alice.token, json: { description: "updated" } });
    expect(patched.body.description).toBe("updated");
    expect((await call(`${base}/projects/${project.body.id}`, { method: "DELETE", token: alice.token })).status).toBe(204);
    expect((await call(`${base}/applications/${app.body.id}`, { token: alice.token })).status).toBe(404);
  });
});
