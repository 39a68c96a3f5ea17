import { createServer, defineRouter, type SymbiaServer } from "@symbia/http";
import { testServerConfig } from "@symbia/http/testing";
import { createVerifier, type Verifier } from "@symbia/id";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Identity runs in a child process; this process is another service using @symbia/id.
let identity: IdentityProcess;
let verifier: Verifier;
let service: SymbiaServer;
let base: string;

beforeAll(async () => {
  identity = await spawnIdentity();
  verifier = createVerifier({ identityUrl: identity.url, issuer: identity.issuer, auth: identity.serviceLogin("messaging"), revocationPollMs: 1_000 });
  const messages = defineRouter({ basePath: "/api/messages", tag: "messages" });
  messages.get("/", { summary: "read", entitlement: "cap:messaging.read" }, (req) => ({ reader: req.principal!.id }));
  messages.post("/", { summary: "send", entitlement: "cap:messaging.send" }, (req) => ({ sender: req.principal!.id }));
  service = createServer({ service: "messaging", version: "test", config: testServerConfig(), routers: [messages], authenticate: verifier.authenticate });
  await service.listen(0);
  base = service.url();
}, 60_000);
afterAll(async () => {
  verifier?.close();
  await service?.shutdown();
  await identity?.stop();
});

const get = (token: string) => fetch(`${base}/api/messages`, { headers: { authorization: `Bearer ${token}` } });
const post = (token: string) => fetch(`${base}/api/messages`, { method: "POST", headers: { authorization: `Bearer ${token}` } });

describe("@symbia/id in another process", () => {
  it("verifies identity's tokens locally and applies org roles with inheritance", async () => {
    await identity.registerUser(); // super admin
    const user = await identity.registerUser();
    expect((await get(user.token)).status).toBe(200);
    expect((await post(user.token)).status).toBe(200);
    expect((await get("not-a-token")).status).toBe(401);
  });

  it("refuses a revoked token within 5 seconds", async () => {
    const user = await identity.registerUser();
    expect((await get(user.token)).status).toBe(200);
    const revokedAt = Date.now();
    expect((await identity.call("/api/auth/logout", { token: user.token, json: {} })).status).toBe(204);
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await get(user.token)).status;
    }
    const elapsed = Date.now() - revokedAt;
    expect(status).toBe(401);
    expect(elapsed).toBeLessThan(5_000);
  });

  it("refuses an API key scoped to cap:messaging.read an action needing cap:messaging.send, though its creator holds it", async () => {
    const user = await identity.registerUser();
    const key = await identity.call("/api/api-keys", { token: user.token, json: { name: "reader", scopes: ["cap:messaging.read"] } });
    expect(key.status).toBe(201);
    expect((await post(user.token)).status).toBe(200);
    expect((await get(key.body.key)).status).toBe(200);
    const refused = await post(key.body.key);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });

  it("stops honouring a revoked API key once its short cache expires", async () => {
    const user = await identity.registerUser();
    const key = await identity.call("/api/api-keys", { token: user.token, json: { name: "short", scopes: ["cap:messaging.read"] } });
    expect((await get(key.body.key)).status).toBe(200);
    await identity.call(`/api/api-keys/${key.body.apiKey.id}`, { method: "DELETE", token: user.token });
    const start = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - start < 10_000) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await get(key.body.key)).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - start).toBeLessThan(6_000);
  });
});
