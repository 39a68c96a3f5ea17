import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnService, spawnIdentity, type IdentityProcess } from "./testing.js";

// spawnService: a real service (catalog) as a program against a real identity.
let identity: IdentityProcess;
beforeAll(async () => {
  identity = await spawnIdentity();
}, 90_000);
afterAll(async () => {
  await identity?.stop();
});

describe("spawnService", () => {
  it("starts a service on the port of its listening line, trusting identity, and stops it", async () => {
    let cleaned = false;
    const catalog = await spawnService(identity, "catalog", {}, { cleanup: async () => void (cleaned = true) });
    try {
      expect(catalog.service).toBe("catalog");
      expect(catalog.url).toBe(`http://127.0.0.1:${catalog.port}`);
      expect(catalog.output()).toContain('"listening"');
      const health = await fetch(`${catalog.url}/health/live`);
      expect(health.status).toBe(200);
      // A user's token issued by this identity is accepted (the service verifies against it).
      const user = await identity.registerUser();
      const listed = await fetch(`${catalog.url}/api/resources`, { headers: { authorization: `Bearer ${user.token}`, "x-org-id": user.orgId } });
      expect(listed.status).toBe(200);
      const anonymous = await fetch(`${catalog.url}/api/resources`, { headers: { authorization: "Bearer not-a-token" } });
      expect(anonymous.status).toBe(401);
    } finally {
      await catalog.stop();
    }
    expect(cleaned).toBe(true);
    await expect(fetch(`${catalog.url}/health/live`)).rejects.toThrow();
  }, 90_000);

  it("rejects with the service's stderr when it exits before listening, and still runs cleanup", async () => {
    let cleaned = false;
    const started = spawnService(identity, "catalog", { CATALOG_PORT: "not-a-port" }, { cleanup: async () => void (cleaned = true) });
    await expect(started).rejects.toThrow(/catalog exited with/);
    expect(cleaned).toBe(true);
  }, 90_000);
});
