import { describe, expect, it } from "vitest";
import { DEFAULT_ARTIFACT_CONTENT_TYPES, DEFAULT_BOOTSTRAP_FILE, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("defaults: port 5003, 50 MB artifacts, the bundled bootstrap file, the platform org", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 5003,
      artifactMaxBytes: 50_000_000,
      artifactsDir: ".symbia/data/catalog/artifacts",
      bootstrapFile: DEFAULT_BOOTSTRAP_FILE,
      platformOrgId: "platform",
      identityIssuer: "http://127.0.0.1:5001",
      artifactContentTypes: DEFAULT_ARTIFACT_CONTENT_TYPES,
    });
    expect(config.serviceSecret).toBeUndefined();
  });

  it("reads every catalog variable", () => {
    const config = loadConfig({
      CATALOG_PORT: "6003",
      IDENTITY_SERVICE_URL: "http://id:5001",
      IDENTITY_ISSUER: "symbia",
      CATALOG_SERVICE_SECRET: "s".repeat(20),
      CATALOG_ARTIFACTS_DIR: "/data/artifacts",
      CATALOG_ARTIFACT_MAX_BYTES: "1000",
      CATALOG_ARTIFACT_CONTENT_TYPES: "application/zip, Text/*",
      CATALOG_BOOTSTRAP_FILE: "off",
      CATALOG_PLATFORM_ORG_ID: "symbia",
    });
    expect(config).toMatchObject({
      port: 6003,
      identityIssuer: "symbia",
      serviceSecret: "s".repeat(20),
      artifactsDir: "/data/artifacts",
      artifactMaxBytes: 1000,
      artifactContentTypes: ["application/zip", "text/*"],
      bootstrapFile: null,
      platformOrgId: "symbia",
    });
    expect(config.serviceUrls.identity).toBe("http://id:5001");
  });

  it("names invalid variables, and wants the service secret in production", () => {
    expect(() => loadConfig({ CATALOG_ARTIFACT_MAX_BYTES: "lots" })).toThrow(/artifactMaxBytes/);
    expect(() => loadConfig({ CATALOG_ARTIFACT_CONTENT_TYPES: "nonsense" })).toThrow(/artifactContentTypes/);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/CATALOG_SERVICE_SECRET/);
  });
});
