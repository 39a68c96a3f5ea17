import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "../../test/harness.js";
import { enforceRetention } from "./retention.service.js";

let identity: IdentityProcess;
let logging: TestLogging;
let cast: Cast;
const DAY = 86_400_000;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  // Batches of 2 rows, so one pass needs several statements per org.
  logging = await startLogging(identity, { env: { RETENTION_BATCH_SIZE: "2" } });
});
afterAll(async () => {
  await logging?.close();
  await identity?.stop();
});

const ids = async (path: string, token: string, key = "id") => ((await call(`${logging.url}${path}${path.includes("?") ? "&" : "?"}limit=1000`, { token })).body.items as Record<string, string>[]).map((i) => i[key]).sort();

describe("retention job", () => {
  it("deletes exactly the rows older than each org's limit, per data type, in batches", async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(now - ms).toISOString();
    // Org A keeps logs 10 days and spans 2 days; metrics and objects use the defaults (90, 365).
    expect((await call(`${logging.url}/api/retention/logs`, { method: "PUT", token: cast.alice.token, json: { days: 10 } })).status).toBe(200);
    expect((await call(`${logging.url}/api/retention/spans`, { method: "PUT", token: cast.alice.token, json: { days: 2 } })).status).toBe(200);

    const log = (id: string, age: number) => ({ id, service: "svc", level: "info", message: id, timestamp: at(age) });
    const a = await call(`${logging.url}/api/ingest`, {
      token: cast.alice.token,
      json: {
        logs: [
          log("a-old-00001", 10 * DAY + 60_000), log("a-old-00002", 11 * DAY), log("a-old-00003", 20 * DAY), log("a-old-00004", 400 * DAY), log("a-old-00005", 10 * DAY + 1),
          log("a-keep-0001", 10 * DAY - 60_000), log("a-keep-0002", 9 * DAY), log("a-keep-0003", 0),
        ],
        spans: [
          { service: "svc", traceId: hex(16), spanId: "00000000000000a1", name: "old", startTime: at(2 * DAY + 1000), endTime: at(2 * DAY - 1000) },
          { service: "svc", traceId: hex(16), spanId: "00000000000000a2", name: "kept", startTime: at(2 * DAY - 1000), endTime: at(2 * DAY - 2000) },
        ],
        metrics: [
          { id: "a-metric-old", service: "svc", name: "m", value: 1, timestamp: at(90 * DAY + 60_000) },
          { id: "a-metric-new", service: "svc", name: "m", value: 2, timestamp: at(89 * DAY) },
        ],
        objects: [
          { id: "a-object-old", service: "svc", name: "o", sizeBytes: 1, digest: `sha256:${hex(32)}`, location: "x", owner: "o", timestamp: at(366 * DAY) },
          { id: "a-object-new", service: "svc", name: "o", sizeBytes: 1, digest: `sha256:${hex(32)}`, location: "x", owner: "o", timestamp: at(364 * DAY) },
        ],
      },
    });
    expect(a.status).toBe(201);
    // Org B has no setting: logs are kept the default 30 days, so its 11-day-old line stays.
    const b = await call(`${logging.url}/api/logs`, { token: cast.bob.token, json: { items: [log("b-old-00001", 31 * DAY), log("b-keep-0001", 29 * DAY), log("b-keep-0002", 11 * DAY)] } });
    expect(b.status).toBe(201);

    const deleted = await enforceRetention(logging.deps, new Date(now));
    expect(deleted).toEqual({ logs: 6, metrics: 1, spans: 1, objects: 1 });

    expect(await ids("/api/logs", cast.alice.token)).toEqual(["a-keep-0001", "a-keep-0002", "a-keep-0003"]);
    expect(await ids("/api/logs", cast.bob.token)).toEqual(["b-keep-0001", "b-keep-0002"]);
    expect(await ids("/api/spans", cast.alice.token, "spanId")).toEqual(["00000000000000a2"]);
    expect(await ids("/api/metrics", cast.alice.token)).toEqual(["a-metric-new"]);
    expect(await ids("/api/objects", cast.alice.token)).toEqual(["a-object-new"]);

    // A second pass finds nothing more to delete.
    expect(await enforceRetention(logging.deps, new Date(now))).toEqual({ logs: 0, metrics: 0, spans: 0, objects: 0 });
    const metrics = await (await fetch(`${logging.url}/metrics`)).text();
    expect(metrics).toMatch(/^logging_retention_deleted_rows_total\{kind="logs"[^}]*\} 6$/m);
  });

  it("runs by itself every RETENTION_INTERVAL_MS", async () => {
    const periodic = await startLogging(identity, { env: { RETENTION_INTERVAL_MS: "200", RETENTION_LOGS_DAYS: "1" } });
    try {
      const res = await call(`${periodic.url}/api/logs`, {
        token: cast.alice.token,
        json: { items: [{ id: "periodic-old", service: "svc", level: "info", message: "old", timestamp: new Date(Date.now() - 2 * DAY).toISOString() }, { id: "periodic-new", service: "svc", level: "info", message: "new" }] },
      });
      expect(res.status).toBe(201);
      let left: string[] = [];
      for (let i = 0; i < 50; i++) {
        left = ((await call(`${periodic.url}/api/logs`, { token: cast.alice.token })).body.items as { id: string }[]).map((l) => l.id);
        if (left.length === 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(left).toEqual(["periodic-new"]);
    } finally {
      await periodic.close();
    }
  });
});
