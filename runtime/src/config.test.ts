import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("applies runtime's defaults and the shared ones", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      service: "runtime",
      port: 5006,
      platformOrgId: "platform",
      queueCapacity: 1_000,
      metricsIntervalMs: 1_000,
      emissionSampleEvery: 10,
      checkpointIntervalMs: 5_000,
      maxLiveExecutions: 200,
      injectWaitMaxMs: 10_000,
      socketEmissionsPerSecond: 20,
    });
    expect(config.identityIssuer).toBe(config.serviceUrls.identity);
    expect(config.serviceSecret).toBeUndefined();
  });

  it("reads every RUNTIME_ variable", () => {
    const config = loadConfig({
      RUNTIME_PORT: "7006",
      IDENTITY_ISSUER: "symbia-test",
      RUNTIME_SERVICE_SECRET: "s".repeat(20),
      RUNTIME_CATALOG_PLATFORM_ORG_ID: "platform-2",
      RUNTIME_QUEUE_CAPACITY: "50",
      RUNTIME_METRICS_INTERVAL_MS: "0",
      RUNTIME_EMISSION_SAMPLE_EVERY: "3",
      RUNTIME_CHECKPOINT_INTERVAL_MS: "250",
      RUNTIME_MAX_LIVE_EXECUTIONS: "7",
      RUNTIME_INJECT_WAIT_MAX_MS: "1500",
      RUNTIME_SOCKET_EMISSIONS_PER_SECOND: "5",
      CATALOG_SERVICE_URL: "http://catalog.test:5003",
    });
    expect(config).toMatchObject({
      port: 7006,
      identityIssuer: "symbia-test",
      serviceSecret: "s".repeat(20),
      platformOrgId: "platform-2",
      queueCapacity: 50,
      metricsIntervalMs: 0,
      emissionSampleEvery: 3,
      checkpointIntervalMs: 250,
      maxLiveExecutions: 7,
      injectWaitMaxMs: 1_500,
      socketEmissionsPerSecond: 5,
    });
    expect(config.serviceUrls.catalog).toBe("http://catalog.test:5003");
  });

  it("names the variable that is invalid, and requires the service secret in production", () => {
    expect(() => loadConfig({ RUNTIME_QUEUE_CAPACITY: "0" })).toThrow(/queueCapacity/);
    expect(() => loadConfig({ RUNTIME_SERVICE_SECRET: "short" })).toThrow(/serviceSecret/);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/RUNTIME_SERVICE_SECRET is required in production/);
  });
});
