import { AppError } from "@symbia/sys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginAsAgent, loginAsService, type LoginSession } from "./login.js";
import { spawnIdentity, TEST_PASSWORD, type IdentityProcess, type TestUser } from "./testing.js";

// A real identity in a child process, with the shortest access-token lifetime it accepts (10 s),
// so a session re-logs in at 80 % of it (8 s).
let identity: IdentityProcess;
let owner: TestUser;
beforeAll(async () => {
  identity = await spawnIdentity({ ACCESS_TOKEN_TTL_SECONDS: "10" });
  await identity.registerUser(); // super admin
  owner = await identity.registerUser();
}, 60_000);
afterAll(() => identity?.stop());

/** A fresh token of the org owner: its first one expires within 10 s. */
const ownerToken = async () => (await identity.call("/api/auth/login", { json: { email: owner.email, password: TEST_PASSWORD } })).body.accessToken as string;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { jti: string; exp: number; sub: string };
const me = (token: string) => identity.call("/api/auth/me", { token });

/** Calls `getToken` every 200 ms until it returns another token than `current`; the time it did. */
async function untilRenewed(session: LoginSession, current: string, timeoutMs = 15_000): Promise<{ token: string; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const token = await session.getToken();
    if (token !== current) return { token, at: Date.now() };
    if (Date.now() > deadline) throw new Error("the session never renewed its token");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error("expected a rejection");
}

describe("loginAsService", () => {
  it("logs in lazily, shares one login between concurrent callers, and renews the token before it expires", async () => {
    const session = loginAsService({ identityUrl: identity.url, serviceId: "messaging", secret: identity.serviceSecrets.messaging! });
    expect(session.principal()).toBeUndefined();
    const first = await Promise.all([session.getToken(), session.getToken(), session.getToken()]);
    expect(new Set(first).size).toBe(1);
    const token = first[0]!;
    expect(session.principal()).toMatchObject({ id: "service:messaging", type: "service" });
    expect(await session.authHeaders()).toEqual({ authorization: `Bearer ${token}` });
    expect(await session.getToken()).toBe(token);
    expect((await me(token)).status).toBe(200);

    const renewed = await untilRenewed(session, token);
    // Renewed while the old token was still valid, and the new one works and lives longer.
    expect(renewed.at).toBeLessThan(claimsOf(token).exp * 1000);
    expect(claimsOf(renewed.token).jti).not.toBe(claimsOf(token).jti);
    expect(claimsOf(renewed.token).exp).toBeGreaterThan(claimsOf(token).exp);
    expect((await me(renewed.token)).body).toMatchObject({ id: "service:messaging", type: "service" });
  }, 30_000);

  it("surfaces a wrong secret as an unauthenticated AppError naming the credentials, and an unreachable identity as unavailable", async () => {
    const wrong = loginAsService({ identityUrl: identity.url, serviceId: "messaging", secret: "not-the-secret-0123456789" });
    const error = await rejection(wrong.getToken());
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "unauthenticated", message: "invalid service credentials" });
    // The failure is not cached: each call tries again.
    expect((await rejection(wrong.getToken())).code).toBe("unauthenticated");
    const down = loginAsService({ identityUrl: "http://127.0.0.1:9", serviceId: "messaging", secret: identity.serviceSecrets.messaging! });
    expect(await rejection(down.getToken())).toMatchObject({ code: "unavailable" });
  });
});

describe("loginAsAgent", () => {
  async function registerAgent(agentId: string) {
    const res = await identity.call("/api/agents", { token: await ownerToken(), orgId: owner.orgId, json: { agentId, name: agentId, capabilities: ["cap:messaging.read"] } });
    expect(res.status).toBe(201);
    return res.body.secret as string;
  }

  it("renews an agent's token before it expires", async () => {
    const secret = await registerAgent("assistant:renewing");
    const session = loginAsAgent({ identityUrl: identity.url, agentId: "assistant:renewing", secret });
    const token = await session.getToken();
    expect(session.principal()).toMatchObject({ id: "assistant:renewing", type: "agent" });
    const renewed = await untilRenewed(session, token);
    expect(renewed.at).toBeLessThan(claimsOf(token).exp * 1000);
    expect((await me(renewed.token)).body).toMatchObject({ id: "assistant:renewing", type: "agent" });
  }, 30_000);

  it("fails its next renewal with a clear error once the secret is rotated, and works again with the new secret", async () => {
    const secret = await registerAgent("assistant:rotated");
    const session = loginAsAgent({ identityUrl: identity.url, agentId: "assistant:rotated", secret });
    const token = await session.getToken();
    const rotated = await identity.call("/api/agents/assistant:rotated/rotate-secret", { token: await ownerToken(), orgId: owner.orgId, json: {} });
    expect(rotated.status).toBe(200);
    // Rotation revokes the agent's tokens in identity at once.
    expect((await me(token)).status).toBe(401);
    // At renewal time the old secret is refused, as an AppError rather than a stale token.
    const deadline = Date.now() + 15_000;
    let error: AppError | undefined;
    while (!error && Date.now() < deadline) {
      error = await session.getToken().then(() => undefined, (e: AppError) => e);
      if (!error) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "unauthenticated", message: "invalid agent credentials" });
    const fresh = loginAsAgent({ identityUrl: identity.url, agentId: "assistant:rotated", secret: rotated.body.secret });
    expect((await me(await fresh.getToken())).status).toBe(200);
  }, 30_000);

  it("refuses a revoked agent with the same clear error", async () => {
    const secret = await registerAgent("assistant:revoked");
    expect((await identity.call("/api/agents/assistant:revoked", { method: "DELETE", token: await ownerToken(), orgId: owner.orgId })).status).toBe(204);
    const session = loginAsAgent({ identityUrl: identity.url, agentId: "assistant:revoked", secret });
    expect(await rejection(session.getToken())).toMatchObject({ code: "unauthenticated", message: "invalid agent credentials" });
  });
});
