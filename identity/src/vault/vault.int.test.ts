import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerUser, serviceToken, startIdentity, type TestIdentity } from "../../test/harness.js";
import { unseal } from "../crypto/crypto.js";
import { credentials } from "../db/schema.js";
import { credentialAad } from "./vault.service.js";

let identity: TestIdentity;
let url: string;
let alice: Awaited<ReturnType<typeof registerUser>>;
let bob: Awaited<ReturnType<typeof registerUser>>;
const SECRET = "sk-live-openai-0123456789abcdefghijklmnop";

beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  await registerUser(url); // super admin
  alice = await registerUser(url);
  bob = await registerUser(url);
});
afterAll(() => identity.close());

describe("POST /api/credentials", () => {
  it("stores a credential sealed: the row neither is nor contains the plaintext, and the API shows a prefix only", async () => {
    const res = await call(`${url}/api/credentials`, { token: alice.token, json: { provider: "openai", name: "my key", secret: SECRET } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: "openai", ownerId: alice.principal.id, displayPrefix: "sk-liv…" });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    const [row] = await identity.deps.database.db.select().from(credentials).where(eq(credentials.id, res.body.id));
    expect(row!.sealed).not.toContain(SECRET);
    expect(row!.sealed).not.toContain(Buffer.from(SECRET).toString("base64"));
    expect(row!.sealed).toMatch(/^v1\.vk1\./);
    const listed = await call(`${url}/api/credentials`, { token: alice.token });
    expect(JSON.stringify(listed.body)).not.toContain(SECRET);
  });

  it("cannot be decrypted under another owner's AAD", async () => {
    const [row] = await identity.deps.database.db.select().from(credentials).where(eq(credentials.ownerId, alice.principal.id));
    expect(unseal(identity.deps.vaultKeys, row!.sealed, credentialAad(row!.orgId, alice.principal.id, "openai"))).toBe(SECRET);
    expect(() => unseal(identity.deps.vaultKeys, row!.sealed, credentialAad(row!.orgId, bob.principal.id, "openai"))).toThrow();
    expect(() => unseal(identity.deps.vaultKeys, row!.sealed, credentialAad(row!.orgId, null, "openai"))).toThrow();
  });

  it("answers 400 for a bad provider name and 403 for an org-wide credential from a non-admin", async () => {
    expect((await call(`${url}/api/credentials`, { token: alice.token, json: { provider: "Open AI!", name: "x", secret: "y" } })).status).toBe(400);
    const member = await registerUser(url, { orgName: null });
    await call(`${url}/api/orgs/${alice.orgId}/members`, { token: alice.token, json: { email: member.email, role: "member" } });
    const login = await call(`${url}/api/auth/login`, { json: { email: member.email, password: "correct-Horse-battery-9" } });
    const res = await call(`${url}/api/credentials`, { token: login.body.accessToken, json: { provider: "anthropic", name: "org", secret: "x", scope: "org" } });
    expect(res.status).toBe(403);
  });
});

describe("POST /api/credentials/resolve", () => {
  it("gives integrations the principal's own credential, else the org-wide one, and audits the read", async () => {
    await call(`${url}/api/credentials`, { token: alice.token, json: { provider: "anthropic", name: "org-wide", secret: "org-anthropic-secret-123456", scope: "org" } });
    const svc = await serviceToken(url, "integrations");
    const own = await call(`${url}/api/credentials/resolve`, { token: svc, json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "openai" } });
    expect(own.body).toMatchObject({ source: "principal", secret: SECRET });
    const fallback = await call(`${url}/api/credentials/resolve`, { token: svc, json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "anthropic" } });
    expect(fallback.body).toMatchObject({ source: "org", secret: "org-anthropic-secret-123456" });
    expect((await call(`${url}/api/credentials/resolve`, { token: svc, json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "huggingface" } })).status).toBe(404);
    const audit = await call(`${url}/api/audit?action=credential.read`, { token: alice.token });
    expect(audit.body.items.filter((e: { outcome: string }) => e.outcome === "success")).toHaveLength(2);
  });

  it("lets no user obtain a decrypted credential through any route or header", async () => {
    const attempts = [
      call(`${url}/api/credentials/resolve`, { token: alice.token, json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "openai" } }),
      call(`${url}/api/credentials/resolve`, { token: bob.token, json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "openai" } }),
      call(`${url}/api/credentials/resolve`, { token: bob.token, headers: { "x-service-id": "integrations", "x-org-id": alice.orgId }, json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "openai" } }),
      call(`${url}/api/credentials/resolve`, { headers: { "x-service-id": "integrations", "x-internal": "true" }, json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "openai" } }),
      call(`${url}/api/credentials/resolve`, { token: await serviceToken(url, "messaging"), json: { principalId: alice.principal.id, orgId: alice.orgId, provider: "openai" } }),
      call(`${url}/api/credentials`, { token: bob.token, headers: { "x-org-id": alice.orgId } }),
    ];
    const results = await Promise.all(attempts);
    expect(results.map((r) => r.status)).toEqual([403, 403, 403, 401, 403, 403]);
    for (const r of results) expect(JSON.stringify(r.body)).not.toContain(SECRET);
  });

  it("lets the owner delete their credential, but not another user's", async () => {
    const listed = await call(`${url}/api/credentials`, { token: alice.token });
    const own = listed.body.items.find((c: { provider: string }) => c.provider === "openai");
    expect((await call(`${url}/api/credentials/${own.id}`, { method: "DELETE", token: bob.token })).status).toBe(404);
    expect((await call(`${url}/api/credentials/${own.id}`, { method: "DELETE", token: alice.token })).status).toBe(204);
  });
});
