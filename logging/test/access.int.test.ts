import { randomBytes } from "node:crypto";
import type { LoginSession } from "@symbia/id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ago, call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "./harness.js";

let identity: IdentityProcess;
let logging: TestLogging;
let cast: Cast;
let messaging: LoginSession;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const traceA = hex(16);
const sensitiveTrace = hex(16);
const digest = `sha256:${hex(32)}`;

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  logging = await startLogging(identity);
  messaging = identity.serviceLogin("messaging");
  const res = await call(`${logging.url}/api/ingest`, {
    token: cast.alice.token,
    orgId: cast.alice.orgId,
    json: {
      logs: [
        { id: "plain-0001", service: "web", level: "info", message: "user signed in", traceId: traceA },
        { id: "pii-000001", service: "web", level: "info", message: "email is ada@example.com", dataClass: "pii", traceId: traceA },
        { id: "phi-000001", service: "web", level: "warn", message: "diagnosis recorded", dataClass: "phi" },
      ],
      spans: [
        { service: "web", traceId: traceA, spanId: hex(8), name: "GET /", startTime: ago(100), endTime: ago(50) },
        { service: "web", traceId: sensitiveTrace, spanId: hex(8), name: "lookup patient", startTime: ago(100), endTime: ago(50), dataClass: "phi" },
      ],
      metrics: [{ service: "web", name: "signins_total", value: 1 }, { service: "web", name: "salary", value: 100_000, dataClass: "secret" }],
      objects: [
        { id: "object-plain", service: "web", name: "a.txt", sizeBytes: 1, digest, location: "x", owner: "ent_a" },
        { id: "object-pii01", service: "web", name: "passport.png", sizeBytes: 9, digest, location: "y", owner: "ent_a", dataClass: "pii" },
      ],
    },
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await logging?.close();
  await identity?.stop();
});

const logIds = async (token: string, query = "", orgId?: string) => {
  const res = await call(`${logging.url}/api/logs?limit=100${query}`, { token, ...(orgId ? { orgId } : {}) });
  expect(res.status).toBe(200);
  return (res.body.items as { id: string }[]).map((i) => i.id).sort();
};

describe("data classes", () => {
  it("shows pii/phi/secret rows to holders of cap:logging.read.sensitive only", async () => {
    expect(await logIds(cast.alice.token)).toEqual(["phi-000001", "pii-000001", "plain-0001"]);
    expect(await logIds(cast.carol.token)).toEqual(["plain-0001"]);
    expect(await logIds(cast.carol.token, "&dataClass=pii")).toEqual([]);
    expect(await logIds(cast.carol.token, "&q=ada")).toEqual([]);
  });

  it("hides sensitive spans, metrics and objects the same way", async () => {
    expect((await call(`${logging.url}/api/traces/${sensitiveTrace}`, { token: cast.alice.token })).status).toBe(200);
    expect((await call(`${logging.url}/api/traces/${sensitiveTrace}`, { token: cast.carol.token })).status).toBe(404);
    const metricNames = async (token: string) => ((await call(`${logging.url}/api/metrics`, { token })).body.items as { name: string }[]).map((m) => m.name).sort();
    expect(await metricNames(cast.alice.token)).toEqual(["salary", "signins_total"]);
    expect(await metricNames(cast.carol.token)).toEqual(["signins_total"]);
    const secretSum = await call(`${logging.url}/api/metrics/aggregate?name=salary&fn=sum&bucket=1h&from=${encodeURIComponent(ago(3_600_000))}`, { token: cast.carol.token });
    expect(secretSum.body.series).toEqual([]);
    expect((await call(`${logging.url}/api/objects/object-pii01`, { token: cast.alice.token })).status).toBe(200);
    expect((await call(`${logging.url}/api/objects/object-pii01`, { token: cast.carol.token })).status).toBe(404);
    const byDigest = await call(`${logging.url}/api/objects?digest=${digest}`, { token: cast.carol.token });
    expect(byDigest.body.items.map((o: { id: string }) => o.id)).toEqual(["object-plain"]);
  });
});

describe("tenancy", () => {
  it("answers another org's reader with 404 or an empty page, never the rows", async () => {
    expect(await logIds(cast.bob.token)).toEqual([]);
    expect((await call(`${logging.url}/api/traces/${traceA}`, { token: cast.bob.token })).status).toBe(404);
    expect((await call(`${logging.url}/api/objects/object-plain`, { token: cast.bob.token })).status).toBe(404);
    expect((await call(`${logging.url}/api/spans?traceId=${traceA}`, { token: cast.bob.token })).body.items).toEqual([]);
    expect((await call(`${logging.url}/api/metrics?name=signins_total`, { token: cast.bob.token })).body.items).toEqual([]);
  });

  it("refuses X-Org-Id for an org the reader does not belong to", async () => {
    const res = await call(`${logging.url}/api/logs`, { token: cast.bob.token, orgId: cast.alice.orgId });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });

  it("refuses a batch naming an org the writer does not belong to, and stores none of it", async () => {
    const res = await call(`${logging.url}/api/logs`, {
      token: cast.bob.token,
      json: { items: [{ id: "bob-own-001", service: "x", level: "info", message: "mine" }, { id: "bob-into-a1", orgId: cast.alice.orgId, service: "x", level: "info", message: "planted" }] },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.details.orgId).toBe(cast.alice.orgId);
    expect(await logIds(cast.bob.token)).toEqual([]);
    expect(await logIds(cast.alice.token)).not.toContain("bob-into-a1");
  });

  it("lets a member write into its org", async () => {
    const res = await call(`${logging.url}/api/logs`, { token: cast.carol.token, json: { items: [{ id: "carol-00001", service: "x", level: "info", message: "from carol" }] } });
    expect(res.status).toBe(201);
    expect(await logIds(cast.alice.token)).toContain("carol-00001");
  });

  it("answers 401 without credentials and with a forged token", async () => {
    expect((await call(`${logging.url}/api/logs`)).status).toBe(401);
    expect((await call(`${logging.url}/api/logs`, { token: "eyJhbGciOiJub25lIn0.e30." })).status).toBe(401);
    expect((await call(`${logging.url}/api/logs`, { json: { items: [{ service: "x", level: "info", message: "anon" }] } })).status).toBe(401);
  });
});

describe("service principals", () => {
  it("ingest for any org they name, and for the platform org by default", async () => {
    const token = await messaging.getToken();
    const res = await call(`${logging.url}/api/logs`, {
      token,
      json: {
        items: [
          { id: "svc-into-a1", orgId: cast.alice.orgId, service: "messaging", level: "info", message: "for org A" },
          { id: "svc-into-b1", orgId: cast.bob.orgId, service: "messaging", level: "info", message: "for org B" },
          { id: "svc-platfm1", service: "messaging", level: "info", message: "platform line" },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.accepted).toBe(3);
    expect(await logIds(cast.alice.token)).toContain("svc-into-a1");
    expect(await logIds(cast.bob.token)).toEqual(["svc-into-b1"]);
    expect(await logIds(cast.admin.token, "", "platform")).toEqual(["svc-platfm1"]);
    expect((await call(`${logging.url}/api/logs`, { token: cast.alice.token, orgId: "platform" })).status).toBe(403);
  });

  it("write into the org X-Org-Id names", async () => {
    const res = await call(`${logging.url}/api/metrics`, { token: await messaging.getToken(), orgId: cast.bob.orgId, json: { items: [{ service: "messaging", name: "sent_total", value: 3 }] } });
    expect(res.status).toBe(201);
    const read = await call(`${logging.url}/api/metrics?name=sent_total`, { token: cast.bob.token });
    expect(read.body.items.map((m: { value: number }) => m.value)).toEqual([3]);
  });
});

describe("PUT /api/retention/:dataType", () => {
  it("is for org admins: a member gets 403, the owner sets it, readers see it", async () => {
    expect((await call(`${logging.url}/api/retention/logs`, { method: "PUT", token: cast.carol.token, json: { days: 3 } })).status).toBe(403);
    const set = await call(`${logging.url}/api/retention/logs`, { method: "PUT", token: cast.alice.token, json: { days: 3 } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ dataType: "logs", days: 3, source: "org" });
    const read = await call(`${logging.url}/api/retention`, { token: cast.carol.token });
    expect(read.body.items).toContainEqual({ dataType: "logs", days: 3, source: "org" });
    expect(read.body.items).toContainEqual({ dataType: "metrics", days: 90, source: "default" });
    const bobs = await call(`${logging.url}/api/retention`, { token: cast.bob.token });
    expect(bobs.body.items).toContainEqual({ dataType: "logs", days: 30, source: "default" });
    expect((await call(`${logging.url}/api/retention/logs`, { method: "DELETE", token: cast.alice.token })).status).toBe(204);
    expect((await call(`${logging.url}/api/retention/logs`, { method: "DELETE", token: cast.alice.token })).status).toBe(404);
  });
});
