import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PASSWORD, registerUser, startIdentity, type TestIdentity } from "../../test/harness.js";

let identity: TestIdentity;
let url: string;
let alice: Awaited<ReturnType<typeof registerUser>>;
let bob: Awaited<ReturnType<typeof registerUser>>;

beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  await registerUser(url); // super admin
  alice = await registerUser(url);
  bob = await registerUser(url);
});
afterAll(() => identity.close());

describe("GET /api/audit", () => {
  it("records key, agent and role changes for org admins, newest first, paginated", async () => {
    await call(`${url}/api/api-keys`, { token: alice.token, json: { name: "k", scopes: ["cap:messaging.read"] } });
    await call(`${url}/api/agents`, { token: alice.token, json: { agentId: "assistant:audited", name: "A", capabilities: [] } });
    await call(`${url}/api/orgs/${alice.orgId}/members`, { token: alice.token, json: { email: bob.email, role: "viewer" } });
    const first = await call(`${url}/api/audit?limit=2`, { token: alice.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { action: string }) => e.action)).toEqual(["org.member_added", "agent.registered"]);
    expect(first.body.items[0]).toMatchObject({ actorId: alice.principal.id, orgId: alice.orgId, outcome: "success" });
    const second = await call(`${url}/api/audit?limit=2&cursor=${first.body.nextCursor}`, { token: alice.token });
    expect(second.body.items[0].action).toBe("api_key.created");
    expect(JSON.stringify(second.body)).not.toMatch(/sk_[A-Za-z0-9_-]{43}/);
  });

  it("records failed logins without the password", async () => {
    await call(`${url}/api/auth/login`, { json: { email: alice.email, password: "Wrong-password-123" } });
    const { auditLog } = await import("../db/schema.js");
    const rows = await identity.deps.database.db.select().from(auditLog);
    const failed = rows.filter((r) => r.action === "auth.login" && r.outcome === "failure");
    expect(failed.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain("Wrong-password-123");
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
  });

  it("answers 403 to a viewer, 403 for a foreign org header, 401 without a token, 400 for a bad cursor", async () => {
    const login = await call(`${url}/api/auth/login`, { json: { email: bob.email, password: PASSWORD } });
    expect((await call(`${url}/api/audit`, { token: login.body.accessToken, headers: { "x-org-id": alice.orgId } })).status).toBe(403);
    expect((await call(`${url}/api/audit`, { token: bob.token, headers: { "x-org-id": "00000000-0000-4000-8000-000000000000" } })).status).toBe(403);
    expect((await call(`${url}/api/audit`)).status).toBe(401);
    expect((await call(`${url}/api/audit?cursor=zzz`, { token: alice.token })).status).toBe(400);
  });
});
