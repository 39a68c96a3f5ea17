import { describe, expect, it } from "vitest";
import { telemetryConfigFromEnv } from "./config.js";
import { AggregateQuery, Duration, LogQuery } from "./queries.js";

describe("LogQuery", () => {
  it("gathers field.<key> filters and splits lists", () => {
    expect(LogQuery.parse({ level: "warn,error", "field.orderId": "o-1", "field.http.route": "/x" })).toEqual({ level: ["warn", "error"], limit: 100, field: { orderId: "o-1", "http.route": "/x" } });
  });

  it("refuses unknown parameters and bad field keys", () => {
    const result = LogQuery.safeParse({ colour: "blue", "field.bad key": "1" });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual(["colour", "field.bad key"]);
  });
});

describe("Duration and AggregateQuery", () => {
  it("reads durations in ms", () => {
    expect(["250ms", "30s", "5m", "1h", "1d", "42"].map((d) => Duration.parse(d))).toEqual([250, 30_000, 300_000, 3_600_000, 86_400_000, 42]);
    expect(Duration.safeParse("0s").success).toBe(false);
    expect(Duration.safeParse("5 minutes").success).toBe(false);
  });

  it("defaults to avg over one-minute buckets and caps group-by keys at five", () => {
    expect(AggregateQuery.parse({ name: "m", "label.route": "/a" })).toEqual({ name: "m", fn: "avg", bucket: 60_000, label: { route: "/a" } });
    expect(AggregateQuery.safeParse({ name: "m", groupBy: "a,b,c,d,e,f" }).success).toBe(false);
  });
});

describe("telemetryConfigFromEnv", () => {
  it("is on by default, off under NODE_ENV=test unless asked, and points at logging", () => {
    expect(telemetryConfigFromEnv({})).toMatchObject({ enabled: true, url: "http://127.0.0.1:5002", batchSize: 200, flushIntervalMs: 1_000, maxQueue: 10_000, logLevel: "warn" });
    expect(telemetryConfigFromEnv({ NODE_ENV: "test" }).enabled).toBe(false);
    expect(telemetryConfigFromEnv({ NODE_ENV: "test", TELEMETRY_ENABLED: "true", LOGGING_SERVICE_URL: "http://logs:9000/" })).toMatchObject({ enabled: true, url: "http://logs:9000" });
    expect(() => telemetryConfigFromEnv({ TELEMETRY_BATCH_SIZE: "0" })).toThrow();
  });
});
