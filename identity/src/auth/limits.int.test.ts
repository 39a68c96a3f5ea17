import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../db/schema.js";
import { call, registerUser, SERVICE_SECRETS, startIdentity, testEnv } from "../../test/harness.js";

/** A local PASSWORD_RESET_WEBHOOK_URL receiver: what identity delivered. */
let webhook: Server;
let webhookUrl: string;
const delivered: { email: string; token: string }[] = [];
beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += String(d)));
    req.on("end", () => {
      delivered.push(JSON.parse(body) as { email: string; token: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/reset`;
});
afterAll(() => new Promise<void>((resolve) => webhook.close(() => resolve())));

describe("per-account limit of password-reset requests", () => {
  it("answers 429 with Retry-After past the limit for one address, known or unknown alike, and delivers no token past it", async () => {
    const identity = await startIdentity({ env: testEnv({ PASSWORD_RESET_REQUESTS_PER_ACCOUNT: "2", PASSWORD_RESET_WEBHOOK_URL: webhookUrl }) });
    try {
      const url = identity.url;
      await registerUser(url); // super admin
      const { email } = await registerUser(url);
      const reset = (address: string) => call(`${url}/api/auth/password-reset/request`, { json: { email: address } });
      expect((await reset(email)).status).toBe(202);
      expect((await reset(email)).status).toBe(202);
      const third = await reset(email);
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe("rate_limited");
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
      // The same account under another spelling is the same account.
      expect((await reset(email.toUpperCase())).status).toBe(429);
      expect(delivered.filter((d) => d.email === email)).toHaveLength(2);
      // Another account is untouched: the limit is per account, not per IP.
      const other = await registerUser(url);
      expect((await reset(other.email)).status).toBe(202);
      // An unknown address answers exactly like a known one, so the limit reveals nothing.
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await reset("nobody-here@example.com")).status);
      expect(statuses).toEqual([202, 202, 429]);
      expect(delivered.some((d) => d.email === "nobody-here@example.com")).toBe(false);
      // Refused requests are audited as failures (platform-level entries: no org).
      const failures = await identity.deps.database.db.select().from(auditLog).where(and(eq(auditLog.action, "password_reset.requested"), eq(auditLog.outcome, "failure")));
      expect(failures).toHaveLength(3);
    } finally {
      await identity.close();
    }
  });
});

describe("per-IP limits of the auth routes", () => {
  it("answers 429 on the third call within the window on register, refresh, reset request and confirm, service-token and agent-token", async () => {
    const identity = await startIdentity({ env: testEnv({ AUTH_RATE_LIMIT_POINTS: "2", PASSWORD_RESET_REQUESTS_PER_ACCOUNT: "100" }) });
    try {
      const url = identity.url;
      const routes: [string, (i: number) => unknown][] = [
        ["/api/auth/register", (i) => ({ email: `limited${i}@example.com`, password: "correct-Horse-battery-9", name: "L" })],
        ["/api/auth/refresh", () => ({ refreshToken: "rt_unknown" })],
        ["/api/auth/password-reset/request", (i) => ({ email: `reset${i}@example.com` })],
        ["/api/auth/password-reset/confirm", () => ({ token: "pr_unknown", password: "correct-Horse-battery-9" })],
        ["/api/auth/service-token", () => ({ serviceId: "messaging", secret: SERVICE_SECRETS.messaging })],
        ["/api/auth/agent-token", () => ({ agentId: "assistant:nobody", secret: "as_wrong" })],
      ];
      for (const [path, body] of routes) {
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await call(`${url}${path}`, { json: body(i) })).status);
        expect(statuses.slice(0, 2).every((s) => s !== 429), path).toBe(true);
        expect(statuses[2], path).toBe(429);
      }
    } finally {
      await identity.close();
    }
  });
});
