import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerUser, serviceToken, startIdentity, type TestIdentity } from "../../test/harness.js";

let identity: TestIdentity;
let url: string;
let owner: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;
let viewer: { token: string; id: string };

beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  await registerUser(url); // super admin
  owner = await registerUser(url);
  other = await registerUser(url);
  const v = await registerUser(url, { orgName: null });
  await call(`${url}/api/orgs/${owner.orgId}/members`, { token: owner.token, json: { email: v.email, role: "viewer" } });
  const relog = await call(`${url}/api/auth/login`, { json: { email: v.email, password: "correct-Horse-battery-9" } });
  viewer = { token: relog.body.accessToken, id: v.principal.id };
});
afterAll(() => identity.close());

const headers = (orgId: string) => ({ "x-org-id": orgId });

describe("POST /api/agents", () => {
  it("registers an agent with a secret shown once, and the agent logs in with it", async () => {
    const res = await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "assistant:support", name: "Support", capabilities: ["cap:messaging.send", "cap:messaging.read"] } });
    expect(res.status).toBe(201);
    expect(res.body.agent).toMatchObject({ agentId: "assistant:support", orgId: owner.orgId, capabilities: ["cap:messaging.send", "cap:messaging.read"] });
    expect(res.body.agent.entityId).toMatch(/^ent_/);
    expect(res.body.secret).toMatch(/^as_/);
    const login = await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:support", secret: res.body.secret } });
    expect(login.status).toBe(200);
    expect(login.body.principal).toMatchObject({ id: "assistant:support", type: "agent", orgs: [{ orgId: owner.orgId, entitlements: ["cap:messaging.read", "cap:messaging.send"] }] });
    expect((await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:support", secret: "as_wrong" } })).status).toBe(401);
    const listed = await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId) });
    expect(JSON.stringify(listed.body)).not.toContain(res.body.secret);
  });

  it("answers 403 to a registrant without cap:identity.agents.write", async () => {
    const res = await call(`${url}/api/agents`, { token: viewer.token, headers: headers(owner.orgId), json: { agentId: "assistant:sneaky", name: "S", capabilities: [] } });
    expect(res.status).toBe(403);
  });

  it("answers 403 when the agent asks for a capability its registrant lacks", async () => {
    const res = await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "assistant:greedy", name: "G", capabilities: ["cap:identity.credentials.read"] } });
    expect(res.status).toBe(403);
    expect(res.body.error.details.exceeding).toEqual(["cap:identity.credentials.read"]);
  });

  it("answers 400 naming bad fields, and 409 for a taken agentId", async () => {
    const bad = await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "Bad Id", name: "", capabilities: ["superpowers"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(["body.agentId", "body.capabilities.0", "body.name"]);
    for (const reserved of ["service:messaging", "sandbox:x", "bridge:y"]) {
      expect((await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: reserved, name: "R", capabilities: [] } })).status).toBe(400);
    }
    await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "assistant:dup", name: "D", capabilities: [] } });
    expect((await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "assistant:dup", name: "D", capabilities: [] } })).status).toBe(409);
  });

  it("hides one org's agents from another org (404), and refuses X-Org-Id of a foreign org (403)", async () => {
    expect((await call(`${url}/api/agents/assistant:support`, { token: other.token, headers: headers(other.orgId) })).status).toBe(404);
    expect((await call(`${url}/api/agents`, { token: other.token, headers: headers(owner.orgId) })).status).toBe(403);
    expect((await call(`${url}/api/agents`)).status).toBe(401);
  });

  it("revokes an agent: its token stops working at once in identity", async () => {
    const created = await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "assistant:temp", name: "T", capabilities: [] } });
    const login = await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:temp", secret: created.body.secret } });
    expect((await call(`${url}/api/auth/me`, { token: login.body.accessToken })).status).toBe(200);
    expect((await call(`${url}/api/agents/assistant:temp`, { method: "DELETE", token: owner.token, headers: headers(owner.orgId) })).status).toBe(204);
    expect((await call(`${url}/api/auth/me`, { token: login.body.accessToken })).status).toBe(401);
    expect((await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:temp", secret: created.body.secret } })).status).toBe(401);
  });
});

describe("POST /api/agents/:agentRef/rotate-secret", () => {
  it("issues a new secret: the old one and its tokens are refused, the new one logs in", async () => {
    const created = await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "assistant:rotating", name: "R", capabilities: ["cap:messaging.read"] } });
    const oldSecret = created.body.secret as string;
    const before = await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:rotating", secret: oldSecret } });
    expect(before.status).toBe(200);
    const rotated = await call(`${url}/api/agents/assistant:rotating/rotate-secret`, { token: owner.token, headers: headers(owner.orgId), json: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.agent).toMatchObject({ agentId: "assistant:rotating", orgId: owner.orgId });
    expect(rotated.body.secret).toMatch(/^as_/);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect((await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:rotating", secret: oldSecret } })).status).toBe(401);
    expect((await call(`${url}/api/auth/me`, { token: before.body.accessToken })).status).toBe(401);
    const after = await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:rotating", secret: rotated.body.secret } });
    expect(after.status).toBe(200);
    expect((await call(`${url}/api/auth/me`, { token: after.body.accessToken })).body).toMatchObject({ id: "assistant:rotating", type: "agent" });
    // By its row id too.
    const byId = await call(`${url}/api/agents/${created.body.agent.id}/rotate-secret`, { token: owner.token, headers: headers(owner.orgId), json: {} });
    expect(byId.status).toBe(200);
    expect((await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:rotating", secret: rotated.body.secret } })).status).toBe(401);
  });

  it("answers 404 to another org, 403 to a viewer, 401 without a token, 409 for a revoked agent, 400 for a malformed ref; the secret stays valid", async () => {
    const created = await call(`${url}/api/agents`, { token: owner.token, headers: headers(owner.orgId), json: { agentId: "assistant:guarded", name: "G", capabilities: [] } });
    const path = `${url}/api/agents/assistant:guarded/rotate-secret`;
    expect((await call(path, { token: other.token, headers: headers(other.orgId), json: {} })).status).toBe(404);
    expect((await call(`${url}/api/agents/${created.body.agent.id}/rotate-secret`, { token: other.token, headers: headers(other.orgId), json: {} })).status).toBe(404);
    expect((await call(path, { token: viewer.token, headers: headers(owner.orgId), json: {} })).status).toBe(403);
    expect((await call(path, { json: {} })).status).toBe(401);
    const bad = await call(`${url}/api/agents/${"a".repeat(201)}/rotate-secret`, { token: owner.token, headers: headers(owner.orgId), json: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("params.agentRef");
    expect((await call(`${url}/api/auth/agent-token`, { json: { agentId: "assistant:guarded", secret: created.body.secret } })).status).toBe(200);
    await call(`${url}/api/agents/assistant:guarded`, { method: "DELETE", token: owner.token, headers: headers(owner.orgId) });
    expect((await call(path, { token: owner.token, headers: headers(owner.orgId), json: {} })).status).toBe(409);
  });
});

describe("API keys", () => {
  it("creates an sk_ key shown once whose scopes narrow its creator", async () => {
    const res = await call(`${url}/api/api-keys`, { token: owner.token, headers: headers(owner.orgId), json: { name: "reader", scopes: ["cap:messaging.read"] } });
    expect(res.status).toBe(201);
    expect(res.body.key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(res.body.apiKey.prefix).toBe(res.body.key.slice(0, 10));
    const me = await call(`${url}/api/auth/me`, { token: res.body.key });
    expect(me.status).toBe(200);
    const eff = await call(`${url}/api/entitlements/effective`, { token: res.body.key });
    expect(eff.body.entitlements).toEqual(["cap:messaging.read"]);
    // The key cannot use its creator's admin powers.
    expect((await call(`${url}/api/agents`, { token: res.body.key, json: { agentId: "assistant:via-key", name: "K", capabilities: [] } })).status).toBe(403);
    const list = await call(`${url}/api/api-keys`, { token: owner.token, headers: headers(owner.orgId) });
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);
  });

  it("refuses scopes beyond the creator's entitlements", async () => {
    const res = await call(`${url}/api/api-keys`, { token: viewer.token, headers: headers(owner.orgId), json: { name: "escalate", scopes: ["cap:messaging.send"] } });
    expect(res.status).toBe(403);
  });

  it("revokes and rotates keys", async () => {
    const created = await call(`${url}/api/api-keys`, { token: owner.token, headers: headers(owner.orgId), json: { name: "rot", scopes: ["cap:catalog.read"] } });
    const rotated = await call(`${url}/api/api-keys/${created.body.apiKey.id}/rotate`, { token: owner.token, headers: headers(owner.orgId), json: {} });
    expect(rotated.status).toBe(200);
    expect((await call(`${url}/api/auth/me`, { token: created.body.key })).status).toBe(401);
    expect((await call(`${url}/api/auth/me`, { token: rotated.body.key })).status).toBe(200);
    expect((await call(`${url}/api/api-keys/${rotated.body.apiKey.id}`, { method: "DELETE", token: owner.token, headers: headers(owner.orgId) })).status).toBe(204);
    expect((await call(`${url}/api/auth/me`, { token: rotated.body.key })).status).toBe(401);
  });

  it("hides a live key from another org's admin: DELETE and rotate answer 404 and the key keeps working", async () => {
    const live = await call(`${url}/api/api-keys`, { token: owner.token, headers: headers(owner.orgId), json: { name: "live", scopes: ["cap:catalog.read"] } });
    expect(live.status).toBe(201);
    const id = live.body.apiKey.id as string;
    // `other` is owner (so admin) of its own org: only the tenant check stops it.
    const del = await call(`${url}/api/api-keys/${id}`, { method: "DELETE", token: other.token, headers: headers(other.orgId) });
    expect(del.status).toBe(404);
    expect(del.body.error.code).toBe("not_found");
    expect((await call(`${url}/api/api-keys/${id}/rotate`, { token: other.token, headers: headers(other.orgId), json: {} })).status).toBe(404);
    // Naming the owner's org instead is refused before any lookup.
    expect((await call(`${url}/api/api-keys/${id}`, { method: "DELETE", token: other.token, headers: headers(owner.orgId) })).status).toBe(403);
    expect((await call(`${url}/api/auth/me`, { token: live.body.key })).status).toBe(200);
    const listed = await call(`${url}/api/api-keys`, { token: owner.token, headers: headers(owner.orgId) });
    expect(listed.body.items.find((k: { id: string }) => k.id === id)).toMatchObject({ revokedAt: null });
    // A plain member of the same org cannot revoke a key that is not theirs either.
    expect((await call(`${url}/api/api-keys/${id}`, { method: "DELETE", token: viewer.token, headers: headers(owner.orgId) })).status).toBe(404);
    expect((await call(`${url}/api/auth/me`, { token: live.body.key })).status).toBe(200);
  });
});

describe("POST /api/auth/introspect (RFC 7662)", () => {
  it("answers 401 without caller authentication and 403 for an ordinary member", async () => {
    expect((await call(`${url}/api/auth/introspect`, { json: { token: owner.token } })).status).toBe(401);
    expect((await call(`${url}/api/auth/introspect`, { token: viewer.token, json: { token: owner.token } })).status).toBe(403);
  });

  it("shows an API key as active with its narrowed scopes to a service principal, as JSON or form", async () => {
    const key = await call(`${url}/api/api-keys`, { token: owner.token, headers: headers(owner.orgId), json: { name: "intro", scopes: ["cap:messaging.read"] } });
    const svc = await serviceToken(url, "messaging");
    const res = await call(`${url}/api/auth/introspect`, { token: svc, json: { token: key.body.key } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, token_type: "api_key", sub: owner.principal.id, scope: "cap:messaging.read", scopes: ["cap:messaging.read"] });
    const form = await call(`${url}/api/auth/introspect`, { token: svc, headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${encodeURIComponent(owner.token)}&token_type_hint=access_token` });
    expect(form.body).toMatchObject({ active: true, token_type: "access_token", sub: owner.principal.id, principal_type: "user" });
    expect(form.headers.get("cache-control")).toBe("no-store");
  });

  it("answers {active: false} and nothing else for garbage, revoked or unknown credentials", async () => {
    const svc = await serviceToken(url, "messaging");
    for (const token of ["garbage", "sk_unknown", `${owner.token.slice(0, -4)}AAAA`]) {
      const res = await call(`${url}/api/auth/introspect`, { token: svc, json: { token } });
      expect(res.body).toEqual({ active: false });
    }
  });
});

describe("entitlements", () => {
  it("expands roles with inheritance in GET /api/entitlements/effective", async () => {
    const res = await call(`${url}/api/entitlements/effective`, { token: owner.token, headers: headers(owner.orgId) });
    expect(res.body.entitlements).toEqual(expect.arrayContaining(["role:org:owner", "role:org:admin", "role:org:member", "role:org:viewer", "cap:identity.orgs.admin", "cap:messaging.read"]));
    const v = await call(`${url}/api/entitlements/effective`, { token: viewer.token, headers: headers(owner.orgId) });
    expect(v.body.entitlements).not.toContain("cap:messaging.send");
  });

  it("grants an extra entitlement to a member, which shows in their effective set, and revokes it", async () => {
    const granted = await call(`${url}/api/entitlements/grants`, { token: owner.token, headers: headers(owner.orgId), json: { principalId: viewer.id, entitlement: "cap:messaging.send" } });
    expect(granted.status).toBe(201);
    const eff = await call(`${url}/api/entitlements/effective?principalId=${viewer.id}`, { token: owner.token, headers: headers(owner.orgId) });
    expect(eff.body.entitlements).toContain("cap:messaging.send");
    expect((await call(`${url}/api/entitlements/grants/${granted.body.id}`, { method: "DELETE", token: owner.token, headers: headers(owner.orgId) })).status).toBe(204);
    const after = await call(`${url}/api/entitlements/effective?principalId=${viewer.id}`, { token: owner.token, headers: headers(owner.orgId) });
    expect(after.body.entitlements).not.toContain("cap:messaging.send");
  });

  it("refuses grants by non-admins, grants of what the granter lacks, and grants to outsiders", async () => {
    expect((await call(`${url}/api/entitlements/grants`, { token: viewer.token, headers: headers(owner.orgId), json: { principalId: viewer.id, entitlement: "cap:messaging.send" } })).status).toBe(403);
    expect((await call(`${url}/api/entitlements/grants`, { token: owner.token, headers: headers(owner.orgId), json: { principalId: viewer.id, entitlement: "cap:identity.credentials.read" } })).status).toBe(403);
    expect((await call(`${url}/api/entitlements/grants`, { token: owner.token, headers: headers(owner.orgId), json: { principalId: other.principal.id, entitlement: "cap:messaging.read" } })).status).toBe(404);
    expect((await call(`${url}/api/entitlements/grants`, { token: owner.token, headers: headers(owner.orgId), json: { principalId: viewer.id, entitlement: "nonsense" } })).status).toBe(400);
  });
});
