import { describe, expect, it } from "vitest";
import { AppError, getService, isAppError, isCapability, isRole, serviceUrl, serviceUrls, SERVICE_IDS, SERVICES } from "./index.js";

describe("service registry", () => {
  it("knows the nine services with their default ports", () => {
    expect(Object.fromEntries(SERVICES.map((s) => [s.id, s.port]))).toEqual({
      identity: 5001, logging: 5002, catalog: 5003, assistants: 5004, messaging: 5005, runtime: 5006, integrations: 5007, models: 5008, network: 5054,
    });
    expect(SERVICE_IDS.slice(0, 3)).toEqual(["identity", "logging", "network"]);
  });

  it("takes a base URL from {SERVICE}_SERVICE_URL, else 127.0.0.1 and the default port", () => {
    expect(serviceUrl("messaging")).toBe("http://127.0.0.1:5005");
    expect(serviceUrl("messaging", { MESSAGING_SERVICE_URL: "http://messaging:8080/" })).toBe("http://messaging:8080");
    expect(serviceUrls({ NETWORK_SERVICE_URL: "http://n" }).network).toBe("http://n");
  });

  it("throws on an unknown service id", () => {
    expect(() => getService("nope" as never)).toThrow("unknown service id");
  });
});

describe("AppError", () => {
  it("carries code, details and retry hint, and renders the envelope", () => {
    const error = new AppError("rate_limited", "slow down", { limit: 10 }, { retryAfterSeconds: 3 });
    expect(isAppError(error)).toBe(true);
    expect(error.retryAfterSeconds).toBe(3);
    expect(error.toEnvelope()).toEqual({ error: { code: "rate_limited", message: "slow down", details: { limit: 10 } } });
    expect(isAppError(new Error("x"))).toBe(false);
  });
});

describe("entitlement names", () => {
  it("recognises capabilities and roles", () => {
    expect(isCapability("cap:messaging.send")).toBe(true);
    expect(isCapability("cap:network.contracts.write")).toBe(true);
    expect(isCapability("cap:messaging")).toBe(false);
    expect(isRole("role:org:admin")).toBe(true);
    expect(isRole("admin")).toBe(false);
  });
});

describe("expandEntitlements", () => {
  it("inherits downward: an org admin holds member and viewer capabilities, not owner ones", async () => {
    const { expandEntitlements } = await import("./index.js");
    const admin = expandEntitlements(["role:org:admin"]);
    expect(admin).toEqual(expect.arrayContaining(["role:org:admin", "role:org:member", "role:org:viewer", "cap:catalog.publish", "cap:messaging.send", "cap:messaging.read"]));
    expect(admin).not.toContain("cap:identity.orgs.admin");
    expect(expandEntitlements(["role:org:viewer"])).not.toContain("cap:messaging.send");
    expect(expandEntitlements(["cap:x.y", "cap:x.y"])).toEqual(["cap:x.y"]);
  });
});
