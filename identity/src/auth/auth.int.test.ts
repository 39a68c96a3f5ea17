import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PASSWORD, registerUser, serviceToken, SERVICE_SECRETS, startIdentity, testEnv, type TestIdentity } from "../../test/harness.js";

let identity: TestIdentity;
let url: string;
beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
});
afterAll(() => identity.close());

describe("POST /api/auth/register", () => {
  it("reports through GET /api/auth/setup whether the first user is still missing", async () => {
    const fresh = await startIdentity();
    try {
      expect((await call(`${fresh.url}/api/auth/setup`)).body).toEqual({ needsAdmin: true });
      await registerUser(fresh.url);
      expect((await call(`${fresh.url}/api/auth/setup`)).body).toEqual({ needsAdmin: false });
    } finally {
      await fresh.close();
    }
  });

  it("makes the first user super admin and later users ordinary, each with an entity id", async () => {
    const first = await registerUser(url, { orgName: "First" });
    const second = await registerUser(url);
    expect(first.principal.superAdmin).toBe(true);
    expect(second.principal.superAdmin).toBe(false);
    expect(first.principal.entityId).toMatch(/^ent_[0-9a-f-]{36}$/);
    expect(second.principal.orgs).toEqual([expect.objectContaining({ role: "owner" })]);
    expect(second.principal.orgs[0].entitlements).toContain("cap:identity.orgs.admin");
  });

  it("answers 400 naming the failing paths, and 400 for a weak password, storing nothing", async () => {
    const bad = await call(`${url}/api/auth/register`, { json: { email: "not-an-email", password: 12, name: "" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(["body.email", "body.name", "body.password"]);
    const weak = await call(`${url}/api/auth/register`, { json: { email: "weak@example.com", password: "password1234", name: "W" } });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.issues[0].path).toBe("body.password");
    const short = await call(`${url}/api/auth/register`, { json: { email: "weak@example.com", password: "Xy9!short", name: "W" } });
    expect(short.status).toBe(400);
    expect((await call(`${url}/api/auth/login`, { json: { email: "weak@example.com", password: "password1234" } })).status).toBe(401);
  });

  it("answers 409 for an email already registered", async () => {
    const { email } = await registerUser(url);
    const again = await call(`${url}/api/auth/register`, { json: { email: email.toUpperCase(), password: PASSWORD, name: "Dup" } });
    expect(again.status).toBe(409);
  });
});

describe("POST /api/auth/login, GET /api/auth/me", () => {
  it("logs in and answers who the caller is", async () => {
    const { email } = await registerUser(url);
    const login = await call(`${url}/api/auth/login`, { json: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ tokenType: "Bearer", expiresIn: 900 });
    const me = await call(`${url}/api/auth/me`, { token: login.body.accessToken });
    expect(me.body.email).toBe(email);
  });

  it("answers the same 401 for a wrong password and an unknown email", async () => {
    const { email } = await registerUser(url);
    const wrong = await call(`${url}/api/auth/login`, { json: { email, password: "Wrong-password-123" } });
    const unknown = await call(`${url}/api/auth/login`, { json: { email: "nobody@example.com", password: "Wrong-password-123" } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it("locks an account after repeated failures, even for the right password", async () => {
    const locked = await startIdentity({ env: testEnv({ LOGIN_FAILURES_PER_ACCOUNT: "3" }) });
    try {
      const { email } = await registerUser(locked.url);
      for (let i = 0; i < 3; i++) expect((await call(`${locked.url}/api/auth/login`, { json: { email, password: "Wrong-password-123" } })).status).toBe(401);
      const blocked = await call(`${locked.url}/api/auth/login`, { json: { email, password: PASSWORD } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await locked.close();
    }
  });

  it("rate-limits login per IP", async () => {
    const limited = await startIdentity({ env: testEnv({ AUTH_RATE_LIMIT_POINTS: "3" }) });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(`${limited.url}/api/auth/login`, { json: { email: "x@example.com", password: "Wrong-password-123" } })).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it("answers 401 on /me without a token or with garbage", async () => {
    expect((await call(`${url}/api/auth/me`)).status).toBe(401);
    expect((await call(`${url}/api/auth/me`, { token: "not.a.jwt" })).status).toBe(401);
    expect((await call(`${url}/api/auth/me`, { headers: { authorization: "Basic abc" } })).status).toBe(401);
  });
});

describe("POST /api/auth/refresh and /logout", () => {
  it("rotates the refresh token; reusing a rotated one revokes the whole family", async () => {
    const { refreshToken } = await registerUser(url);
    const first = await call(`${url}/api/auth/refresh`, { json: { refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(refreshToken);
    const second = await call(`${url}/api/auth/refresh`, { json: { refreshToken: first.body.refreshToken } });
    expect(second.status).toBe(200);
    // Replay of the first, already-rotated token: theft signal.
    const replay = await call(`${url}/api/auth/refresh`, { json: { refreshToken } });
    expect(replay.status).toBe(401);
    // The family is gone: the newest refresh token and its access token are dead too.
    expect((await call(`${url}/api/auth/refresh`, { json: { refreshToken: second.body.refreshToken } })).status).toBe(401);
    expect((await call(`${url}/api/auth/me`, { token: second.body.accessToken })).status).toBe(401);
  });

  it("logout revokes the session's refresh token and the access token used", async () => {
    const { token, refreshToken } = await registerUser(url);
    expect((await call(`${url}/api/auth/logout`, { token, json: {} })).status).toBe(204);
    expect((await call(`${url}/api/auth/me`, { token })).status).toBe(401);
    expect((await call(`${url}/api/auth/refresh`, { json: { refreshToken } })).status).toBe(401);
  });

  it("answers 401 for an unknown refresh token and 400 for a malformed body", async () => {
    expect((await call(`${url}/api/auth/refresh`, { json: { refreshToken: "rt_nope" } })).status).toBe(401);
    expect((await call(`${url}/api/auth/refresh`, { json: { refreshToken: 42 } })).status).toBe(400);
  });
});

describe("browser sessions (cookie + CSRF)", () => {
  it("keeps the refresh token in an httpOnly SameSite=Lax cookie and requires the CSRF token to use it", async () => {
    const { email } = await registerUser(url);
    const login = await call(`${url}/api/auth/login`, { json: { email, password: PASSWORD, session: "cookie" } });
    expect(login.status).toBe(200);
    expect(login.body.refreshToken).toBeUndefined();
    const setCookies = login.headers.getSetCookie();
    const rt = setCookies.find((c) => c.startsWith("symbia_rt="))!;
    expect(rt).toMatch(/HttpOnly/i);
    expect(rt).toMatch(/SameSite=Lax/i);
    const cookie = setCookies.map((c) => c.split(";")[0]).join("; ");
    const noCsrf = await call(`${url}/api/auth/refresh`, { json: {}, headers: { cookie } });
    expect(noCsrf.status).toBe(403);
    const withCsrf = await call(`${url}/api/auth/refresh`, { json: {}, headers: { cookie, "x-csrf-token": login.body.csrfToken } });
    expect(withCsrf.status).toBe(200);
    expect(withCsrf.body.accessToken).toBeTruthy();
  });

  it("marks the session cookies Secure in production and not in development (plain http on localhost)", async () => {
    for (const [env, secure] of [["production", true], ["development", false]] as const) {
      const server = await startIdentity({ env: testEnv({ NODE_ENV: env }) });
      try {
        const { email } = await registerUser(server.url);
        const login = await call(`${server.url}/api/auth/login`, { json: { email, password: PASSWORD, session: "cookie" } });
        expect(login.status).toBe(200);
        const setCookies = login.headers.getSetCookie();
        expect(setCookies.length).toBeGreaterThan(0);
        for (const c of setCookies) expect(/;\s*Secure/i.test(c), `${env}: ${c}`).toBe(secure);
      } finally {
        await server.close();
      }
    }
  });
});

describe("POST /api/auth/service-token and /agent-token", () => {
  it("logs a service in with its secret and refuses a wrong one", async () => {
    const ok = await call(`${url}/api/auth/service-token`, { json: { serviceId: "messaging", secret: SERVICE_SECRETS.messaging } });
    expect(ok.status).toBe(200);
    expect(ok.body.principal).toMatchObject({ id: "service:messaging", type: "service" });
    expect(ok.body.refreshToken).toBeUndefined();
    expect((await call(`${url}/api/auth/service-token`, { json: { serviceId: "messaging", secret: SERVICE_SECRETS.catalog } })).status).toBe(401);
    expect((await call(`${url}/api/auth/service-token`, { json: { serviceId: "nope", secret: "x" } })).status).toBe(401);
    expect((await call(`${url}/api/auth/service-token`, { json: { serviceId: "messaging" } })).status).toBe(400);
  });

  it("gives a service the same entity id every time", async () => {
    const a = await call(`${url}/api/auth/me`, { token: await serviceToken(url, "network") });
    const b = await call(`${url}/api/auth/me`, { token: await serviceToken(url, "network") });
    expect(a.body.entityId).toMatch(/^ent_/);
    expect(a.body.entityId).toBe(b.body.entityId);
  });
});

describe("password change and reset", () => {
  it("changes the password and revokes the old tokens", async () => {
    const { email, token } = await registerUser(url);
    const wrong = await call(`${url}/api/auth/password`, { token, json: { currentPassword: "Not-the-password-1", newPassword: "another-Strong-pass-7" } });
    expect(wrong.status).toBe(401);
    expect((await call(`${url}/api/auth/password`, { token, json: { currentPassword: PASSWORD, newPassword: "another-Strong-pass-7" } })).status).toBe(204);
    expect((await call(`${url}/api/auth/me`, { token })).status).toBe(401);
    const login = await call(`${url}/api/auth/login`, { json: { email, password: "another-Strong-pass-7" } });
    expect(login.status).toBe(200);
    expect((await call(`${url}/api/auth/me`, { token: login.body.accessToken })).status).toBe(200);
  });

  it("accepts a reset token once, and never an expired or reused one", async () => {
    const admin = await call(`${url}/api/auth/login`, { json: { email: (await firstUserEmail()), password: PASSWORD } });
    const { email, principal } = await registerUser(url);
    const issued = await call(`${url}/api/users/${principal.id}/password-reset`, { token: admin.body.accessToken, json: {} });
    expect(issued.status).toBe(201);
    const ok = await call(`${url}/api/auth/password-reset/confirm`, { json: { token: issued.body.token, password: "reset-Strong-pass-42" } });
    expect(ok.status).toBe(204);
    const again = await call(`${url}/api/auth/password-reset/confirm`, { json: { token: issued.body.token, password: "reset-Strong-pass-43" } });
    expect(again.status).toBe(400);
    expect((await call(`${url}/api/auth/login`, { json: { email, password: "reset-Strong-pass-42" } })).status).toBe(200);
    // Self-service requests never reveal whether the account exists.
    expect((await call(`${url}/api/auth/password-reset/request`, { json: { email: "nobody@example.com" } })).status).toBe(202);
    expect((await call(`${url}/api/auth/password-reset/request`, { json: { email } })).status).toBe(202);
  });

  it("lets only the super admin issue reset tokens", async () => {
    const { token, principal } = await registerUser(url);
    expect((await call(`${url}/api/users/${principal.id}/password-reset`, { token, json: {} })).status).toBe(403);
  });
});

async function firstUserEmail(): Promise<string> {
  const { users } = await import("../db/schema.js");
  const { eq } = await import("drizzle-orm");
  const [row] = await identity.deps.database.db.select({ email: users.email }).from(users).where(eq(users.superAdmin, true)).limit(1);
  return row!.email;
}

describe("bootstrap admin (start.sh)", () => {
  it("creates the configured super admin and org once, only when no user exists", async () => {
    const env = testEnv({ SYMBIA_ADMIN_EMAIL: "root@example.com", SYMBIA_ADMIN_PASSWORD: "bootstrap-Strong-pass-1", SYMBIA_ADMIN_ORG: "Acme" });
    const fresh = await startIdentity({ env });
    try {
      const { bootstrapAdmin } = await import("./auth.service.js");
      expect(await bootstrapAdmin(fresh.deps)).toBe(true);
      expect(await bootstrapAdmin(fresh.deps)).toBe(false);
      const login = await call(`${fresh.url}/api/auth/login`, { json: { email: "root@example.com", password: "bootstrap-Strong-pass-1" } });
      expect(login.body.principal.superAdmin).toBe(true);
      const orgs = await call(`${fresh.url}/api/orgs`, { token: login.body.accessToken });
      expect(orgs.body.items.map((o: { name: string }) => o.name)).toEqual(["Acme"]);
    } finally {
      await fresh.close();
    }
  });
});
