import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PASSWORD, registerUser, serviceToken, startIdentity, type TestIdentity } from "../../test/harness.js";

let identity: TestIdentity;
let url: string;
let admin: Awaited<ReturnType<typeof registerUser>>;
let alice: Awaited<ReturnType<typeof registerUser>>;
let bob: Awaited<ReturnType<typeof registerUser>>;
const login = async (email: string) => (await call(`${url}/api/auth/login`, { json: { email, password: PASSWORD } })).body as { accessToken: string; refreshToken: string };

beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  admin = await registerUser(url, { orgName: "Platform" }); // super admin
  alice = await registerUser(url, { orgName: "Alice Co" });
  bob = await registerUser(url, { orgName: "Bob Co" });
});
afterAll(() => identity.close());

describe("PATCH /api/users/me", () => {
  it("renames the caller, and the new name shows in /api/auth/me", async () => {
    const res = await call(`${url}/api/users/me`, { method: "PATCH", token: alice.token, json: { name: "  Alice Liddell " } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: alice.principal.id, name: "Alice Liddell", email: alice.email });
    const me = await call(`${url}/api/auth/me`, { token: (await login(alice.email)).accessToken });
    expect(me.body.name).toBe("Alice Liddell");
  });

  it("answers 400 naming the path for bad input, and refuses fields it must not change (email, role, super admin)", async () => {
    for (const json of [{ name: "" }, { name: 7 }, {}, { name: "x".repeat(201) }]) {
      const res = await call(`${url}/api/users/me`, { method: "PATCH", token: bob.token, json });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe("body.name");
    }
    const sneaky = await call(`${url}/api/users/me`, { method: "PATCH", token: bob.token, json: { name: "Bob", email: "admin@example.com", superAdmin: true, role: "owner", orgs: [] } });
    expect(sneaky.status).toBe(400);
    expect(sneaky.body.error.code).toBe("validation_failed");
    const me = await call(`${url}/api/auth/me`, { token: (await login(bob.email)).accessToken });
    expect(me.body).toMatchObject({ email: bob.email, superAdmin: false, name: bob.principal.name });
    expect(me.body.orgs).toEqual([expect.objectContaining({ orgId: bob.orgId, role: "owner" })]);
    // The old email still logs in; the one it tried to take does not exist.
    expect((await call(`${url}/api/auth/login`, { json: { email: "admin@example.com", password: PASSWORD } })).status).toBe(401);
  });

  it("answers 401 without a token and 403 for a principal that is not a user", async () => {
    expect((await call(`${url}/api/users/me`, { method: "PATCH", json: { name: "Nobody" } })).status).toBe(401);
    const svc = await serviceToken(url, "messaging");
    expect((await call(`${url}/api/users/me`, { method: "PATCH", token: svc, json: { name: "Messaging" } })).status).toBe(403);
  });
});

describe("POST /api/principals/:principalId/revoke-sessions", () => {
  it("lets the super admin revoke a user's every token; the user can log in again afterwards", async () => {
    const victim = await registerUser(url);
    const second = await login(victim.email);
    expect((await call(`${url}/api/auth/me`, { token: victim.token })).status).toBe(200);
    const res = await call(`${url}/api/principals/${victim.principal.id}/revoke-sessions`, { token: admin.token, json: {} });
    expect(res.status).toBe(204);
    for (const token of [victim.token, second.accessToken]) expect((await call(`${url}/api/auth/me`, { token })).status).toBe(401);
    for (const refreshToken of [victim.refreshToken, second.refreshToken]) expect((await call(`${url}/api/auth/refresh`, { json: { refreshToken } })).status).toBe(401);
    const fresh = await login(victim.email);
    expect((await call(`${url}/api/auth/me`, { token: fresh.accessToken })).status).toBe(200);
    // Audited in the platform log of the super admin's view.
    const auditLog = await call(`${url}/api/audit?action=principal.sessions_revoked`, { token: admin.token, headers: { "x-org-id": admin.orgId } });
    expect(auditLog.status).toBe(200);
  });

  it("lets a principal revoke its own sessions", async () => {
    const self = await registerUser(url);
    expect((await call(`${url}/api/principals/${self.principal.id}/revoke-sessions`, { token: self.token, json: {} })).status).toBe(204);
    expect((await call(`${url}/api/auth/me`, { token: self.token })).status).toBe(401);
  });

  it("answers 403 to another org's admin and to an API key of the super admin, and the target's tokens keep working", async () => {
    const target = await registerUser(url);
    const byOther = await call(`${url}/api/principals/${target.principal.id}/revoke-sessions`, { token: alice.token, json: {} });
    expect(byOther.status).toBe(403);
    expect(byOther.body.error.code).toBe("forbidden");
    const key = await call(`${url}/api/api-keys`, { token: admin.token, headers: { "x-org-id": admin.orgId }, json: { name: "admin-key", scopes: ["cap:messaging.read"] } });
    expect(key.status).toBe(201);
    expect((await call(`${url}/api/principals/${target.principal.id}/revoke-sessions`, { token: key.body.key, json: {} })).status).toBe(403);
    expect((await call(`${url}/api/auth/me`, { token: target.token })).status).toBe(200);
    expect((await call(`${url}/api/auth/refresh`, { json: { refreshToken: target.refreshToken } })).status).toBe(200);
  });

  it("answers 404 for an unknown principal, 400 for a malformed id, 401 without a token", async () => {
    expect((await call(`${url}/api/principals/00000000-0000-4000-8000-000000000000/revoke-sessions`, { token: admin.token, json: {} })).status).toBe(404);
    expect((await call(`${url}/api/principals/assistant:nobody/revoke-sessions`, { token: admin.token, json: {} })).status).toBe(404);
    const bad = await call(`${url}/api/principals/${"x".repeat(201)}/revoke-sessions`, { token: admin.token, json: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("params.principalId");
    expect((await call(`${url}/api/principals/${bob.principal.id}/revoke-sessions`, { json: {} })).status).toBe(401);
  });
});

describe("GET /api/auth/revocations", () => {
  it("feeds revocations after a cursor to a service principal: admin revocations and logouts", async () => {
    const svc = await serviceToken(url, "messaging");
    const start = await call(`${url}/api/auth/revocations`, { token: svc });
    expect(start.status).toBe(200);
    const cursor = start.body.nextCursor as string;
    expect(typeof cursor).toBe("string");

    const revoked = await registerUser(url);
    await call(`${url}/api/principals/${revoked.principal.id}/revoke-sessions`, { token: admin.token, json: {} });
    const leaving = await registerUser(url);
    expect((await call(`${url}/api/auth/logout`, { token: leaving.token, json: {} })).status).toBe(204);

    const after = await call(`${url}/api/auth/revocations?cursor=${encodeURIComponent(cursor)}`, { token: svc });
    expect(after.status).toBe(200);
    const items = after.body.items as { kind: string; value: string; revokedAt: string; expiresAt: string }[];
    expect(items).toContainEqual(expect.objectContaining({ kind: "principal", value: revoked.principal.id }));
    expect(items.some((i) => i.kind === "token" || i.kind === "session")).toBe(true);
    // Nothing from before the cursor comes back, and the feed is ordered oldest first.
    expect(items.map((i) => i.revokedAt)).toEqual([...items.map((i) => i.revokedAt)].sort());
    for (const i of items) expect(Date.parse(i.expiresAt)).toBeGreaterThan(Date.now());
    const again = await call(`${url}/api/auth/revocations?cursor=${encodeURIComponent(after.body.nextCursor)}`, { token: svc });
    expect(again.body.items).toEqual([]);
    expect(again.body.nextCursor).toBe(after.body.nextCursor);
  });

  it("answers 401 without a token, 403 to a user without cap:identity.introspect, 400 for an oversized cursor, and reads a garbage cursor as the start", async () => {
    expect((await call(`${url}/api/auth/revocations`)).status).toBe(401);
    // Org admins hold cap:identity.introspect (role:org:admin); a user in no org does not.
    const loner = await registerUser(url, { orgName: null });
    const denied = await call(`${url}/api/auth/revocations`, { token: loner.token });
    expect(denied.status).toBe(403);
    const svc = await serviceToken(url, "catalog");
    const bad = await call(`${url}/api/auth/revocations?cursor=${"9".repeat(101)}`, { token: svc });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("query.cursor");
    const garbage = await call(`${url}/api/auth/revocations?cursor=not-a-cursor`, { token: svc });
    expect(garbage.status).toBe(200);
    expect(garbage.body.items.length).toBeGreaterThan(0);
  });
});

describe("GET /.well-known/openid-configuration", () => {
  it("describes the issuer of the tokens and absolute endpoint URLs whose paths identity serves", async () => {
    const res = await call(`${url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(identity.env.IDENTITY_ISSUER);
    const tokenIssuer = JSON.parse(Buffer.from(alice.token.split(".")[1]!, "base64url").toString("utf8")).iss;
    expect(res.body.issuer).toBe(tokenIssuer);
    expect(res.body.id_token_signing_alg_values_supported).toEqual(["ES256"]);
    const jwksUri = new URL(res.body.jwks_uri); // throws unless absolute
    expect(jwksUri.pathname).toBe("/.well-known/jwks.json");
    const jwks = await call(`${url}${jwksUri.pathname}`);
    expect(jwks.body.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(new URL(res.body.introspection_endpoint).pathname).toBe("/api/auth/introspect");
    expect(new URL(res.body.token_endpoint).pathname).toBe("/api/auth/login");
  });
});
