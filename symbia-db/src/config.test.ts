import { describe, expect, it } from "vitest";
import { databaseConfigFromEnv } from "./config.js";

describe("databaseConfigFromEnv", () => {
  it("uses pg-mem when no URL is set", () => {
    expect(databaseConfigFromEnv("messaging", {})).toEqual({ memory: true });
  });
  it("uses DATABASE_URL, and the service's own URL before it", () => {
    expect(databaseConfigFromEnv("messaging", { DATABASE_URL: "postgres://a" })).toEqual({ memory: false, url: "postgres://a" });
    expect(databaseConfigFromEnv("messaging", { DATABASE_URL: "postgres://a", MESSAGING_DATABASE_URL: "postgres://b" })).toMatchObject({ url: "postgres://b" });
  });
  it("takes the PostgreSQL schema name from {SERVICE}_DB_SCHEMA", () => {
    expect(databaseConfigFromEnv("identity", { DATABASE_URL: "postgres://a", IDENTITY_DB_SCHEMA: "t_identity_1" })).toEqual({ memory: false, url: "postgres://a", schemaName: "t_identity_1" });
  });
  it("forces memory mode with {SERVICE}_USE_MEMORY_DB=true and reads the export path", () => {
    expect(databaseConfigFromEnv("identity", { DATABASE_URL: "postgres://a", IDENTITY_USE_MEMORY_DB: "true", IDENTITY_DB_EXPORT_PATH: "/tmp/x.json" })).toEqual({
      memory: true,
      url: "postgres://a",
      exportPath: "/tmp/x.json",
    });
  });
});
