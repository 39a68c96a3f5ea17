import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoServer, PRINCIPALS } from "../test/fixture.js";
import { call, start } from "../test/helpers.js";
import { hasEntitlement } from "./auth.js";

const server = buildDemoServer();
let base: string;
beforeAll(async () => {
  base = await start(server);
});
afterAll(() => server.shutdown("test end"));

describe("auth slot", () => {
  it("answers 401 on a required route without credentials, and with invalid ones", async () => {
    expect((await call(`${base}/api/widgets/w1`)).status).toBe(401);
    const invalid = await call(`${base}/api/widgets/w1`, { token: "mallory" });
    expect(invalid.status).toBe(401);
    expect(invalid.body.error.code).toBe("unauthenticated");
  });

  it("serves optional routes anonymously and still identifies a caller who sends credentials", async () => {
    expect((await call(`${base}/api/echo`, { method: "POST", json: { text: "hi" } })).body).toEqual({ text: "hi", principal: null });
    expect((await call(`${base}/api/echo`, { method: "POST", json: { text: "hi" }, token: "bob" })).body).toEqual({ text: "hi", principal: "u-bob" });
  });

  it("answers 403 when the caller lacks the route's entitlement", async () => {
    const res = await call(`${base}/api/widgets`, { method: "POST", token: "bob", json: { name: "a", size: 1, owner: { email: "b@example.com" } } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "forbidden", details: { entitlement: "cap:demo.write" } });
  });

  it("narrows an API key to its scopes even when its creator holds more", async () => {
    expect((await call(`${base}/api/widgets/w1`, { token: "sk_alice_readonly" })).status).toBe(200);
    const write = await call(`${base}/api/widgets`, { method: "POST", token: "sk_alice_readonly", json: { name: "a", size: 1, owner: { email: "a@example.com" } } });
    expect(write.status).toBe(403);
  });
});

describe("tenant scope", () => {
  it("uses the principal's first org, and X-Org-Id selects among its orgs", async () => {
    expect((await call(`${base}/api/widgets/w1`, { token: "alice" })).body.orgId).toBe("org-a");
    expect((await call(`${base}/api/widgets/w1`, { token: "alice", headers: { "x-org-id": "org-b" } })).body.orgId).toBe("org-b");
  });

  it("answers 403 when X-Org-Id names an org the principal does not belong to", async () => {
    const res = await call(`${base}/api/widgets/w1`, { token: "bob", headers: { "x-org-id": "org-a" } });
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).not.toContain("widget");
  });
});

describe("hasEntitlement", () => {
  it("honours wildcards and super admin, but API key scopes still narrow", () => {
    const base = PRINCIPALS.bob!;
    expect(hasEntitlement({ ...base, entitlements: ["cap:demo.*"] }, "cap:demo.write")).toBe(true);
    expect(hasEntitlement({ ...base, entitlements: ["cap:demo.*"] }, "cap:other.write")).toBe(false);
    expect(hasEntitlement({ ...base, entitlements: [], superAdmin: true }, "cap:anything.at_all")).toBe(true);
    expect(hasEntitlement({ ...base, entitlements: [], superAdmin: true, credential: { kind: "api_key", keyId: "k", scopes: ["cap:demo.read"] } }, "cap:demo.write")).toBe(false);
  });

  it("counts an org's entitlements only in that org", () => {
    const alice = PRINCIPALS.alice!;
    expect(hasEntitlement(alice, "cap:demo.write", "org-a")).toBe(true);
    expect(hasEntitlement(alice, "cap:demo.write", "org-b")).toBe(false);
    expect(hasEntitlement(alice, "cap:demo.write")).toBe(false);
  });
});

describe("org-scoped entitlements over HTTP", () => {
  it("lets a principal write in the org where it is admin and not where it is viewer", async () => {
    const body = { name: "a", size: 1, owner: { email: "a@example.com" } };
    expect((await call(`${base}/api/widgets`, { method: "POST", token: "alice", json: body, headers: { "x-org-id": "org-a" } })).status).toBe(201);
    expect((await call(`${base}/api/widgets`, { method: "POST", token: "alice", json: body, headers: { "x-org-id": "org-b" } })).status).toBe(403);
  });

  it("lets a service principal act in any org with its own entitlements", async () => {
    const res = await call(`${base}/api/widgets/w1`, { token: "svc", headers: { "x-org-id": "org-z" } });
    expect(res.status).toBe(200);
    expect(res.body.orgId).toBe("org-z");
  });
});

describe("rate limits", () => {
  it("answers the 11th request over a limit of 10 with 429 and Retry-After", async () => {
    const limited = buildDemoServer({ config: { ...(await import("../test/fixture.js")).testConfig(), rateLimit: { points: 10, durationSeconds: 60 } } });
    const url = await start(limited);
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 11; i++) {
        last = await call(`${url}/api/widgets/w1`, { token: "alice" });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([...Array(10).fill(200), 429]);
      expect(last!.body.error.code).toBe("rate_limited");
      const retryAfter = Number(last!.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Limits are per principal: another caller still gets through.
      expect((await call(`${url}/api/widgets/w1`, { token: "bob" })).status).toBe(200);
      // Health and docs are never limited.
      expect((await call(`${url}/health`)).status).toBe(200);
    } finally {
      await limited.shutdown();
    }
  });

  it("counts an org's quota across all its principals", async () => {
    const fresh = buildDemoServer();
    const url = await start(fresh);
    try {
      const statuses = [];
      statuses.push((await call(`${url}/api/widgets/w1`, { token: "carol" })).status);
      statuses.push((await call(`${url}/api/widgets/w1`, { token: "carol-2" })).status);
      statuses.push((await call(`${url}/api/widgets/w1`, { token: "carol" })).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect((await call(`${url}/api/widgets/w1`, { token: "bob" })).status).toBe(200);
    } finally {
      await fresh.shutdown();
    }
  });

  it("applies a route's own stricter limit", async () => {
    const fresh = buildDemoServer();
    const url = await start(fresh);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(`${url}/api/echo`, { method: "POST", json: { text: "x" } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await fresh.shutdown();
    }
  });
});
