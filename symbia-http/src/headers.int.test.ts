import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoServer } from "../test/fixture.js";
import { start } from "../test/helpers.js";

// CORS allow-list (CORS_ORIGINS; the fixture allows http://allowed.example) and helmet's headers.
const server = buildDemoServer();
let base: string;
beforeAll(async () => {
  base = await start(server);
});
afterAll(() => server.shutdown("test end"));

describe("CORS and security headers", () => {
  it("lets an allowed origin read the answer, with credentials and the trace headers exposed", async () => {
    const res = await fetch(`${base}/health`, { headers: { origin: "http://allowed.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-expose-headers")).toMatch(/x-trace-id/i);
  });

  it("gives another origin no CORS grant (the browser refuses to show the answer)", async () => {
    const res = await fetch(`${base}/health`, { headers: { origin: "http://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${base}/api/widgets`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers an allowed preflight with the method allowed", async () => {
    const res = await fetch(`${base}/api/widgets`, { method: "OPTIONS", headers: { origin: "http://allowed.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" } });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
  });

  it("sends helmet's security headers and no x-powered-by, on answers and on errors", async () => {
    for (const path of ["/health", "/api/errors/not_found"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
      expect(res.headers.get("cross-origin-resource-policy")).toBe("same-site");
      expect(res.headers.get("x-powered-by")).toBeNull();
    }
  });
});
