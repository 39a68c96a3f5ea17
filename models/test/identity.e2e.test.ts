import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { buildDeps } from "../src/deps.js";
import { TINY, call, makeModelsDir } from "./fixture.js";
import type { SymbiaServer } from "@symbia/http";

// The models service as `index.ts` builds it, trusting a real identity service (in a child
// process): tokens are verified against identity's JWKS by @symbia/id. No model is loaded here.
let identity: IdentityProcess;
let server: SymbiaServer;
let base: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  identity = await spawnIdentity();
  const made = await makeModelsDir();
  cleanup = made.cleanup;
  const config = loadConfig({
    MODELS_DIR: made.dir,
    MODELS_PORT: "0",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    MODELS_SERVICE_SECRET: identity.serviceSecrets.models!,
  });
  server = createApp(await buildDeps(config));
  await server.listen(0, "127.0.0.1");
  base = server.url();
}, 90_000);
afterAll(async () => {
  await server?.shutdown("test end");
  await identity?.stop();
  await cleanup?.();
});

describe("authentication by identity's tokens", () => {
  it("serves an org member's token on inference routes, refuses it on admin routes, and the super admin's everywhere", async () => {
    const admin = await identity.registerUser({ orgName: "Platform" }); // the first user is the super admin
    const member = await identity.registerUser();
    const listed = await call(`${base}/api/models`, { token: member.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((m: { id: string }) => m.id)).toContain(TINY);
    expect((await call(`${base}/v1/models`, { token: member.token })).status).toBe(200);
    const refused = await call(`${base}/api/models/${TINY}/unload`, { json: {}, token: member.token });
    expect(refused.status).toBe(403);
    const unload = await call(`${base}/api/models/${TINY}/unload`, { json: {}, token: admin.token });
    expect(unload.status).toBe(200); // idempotent: nothing was loaded
  });

  it("answers 401 to a forged or revoked token", async () => {
    const user = await identity.registerUser();
    const [head, body] = user.token.split(".");
    expect((await call(`${base}/api/models`, { token: `${head}.${body}.forged-signature` })).status).toBe(401);
    expect((await identity.call("/api/auth/logout", { json: { refreshToken: user.refreshToken }, token: user.token })).status).toBeLessThan(300);
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      status = (await call(`${base}/api/models`, { token: user.token })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(401); // the revocation feed reached the models service
  });
});
