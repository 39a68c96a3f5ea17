import { validate as validateOpenApi } from "@readme/openapi-parser";
import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, resourceEvents, resourceGrants, resources, resourceVersions, signatures, signingKeys } from "../src/db/schema.js";
import { call, ref, startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "./harness.js";

// Bad input on every route: a 400 (415 where the media type is the problem) whose details name
// the failing paths, and no stored row changes. The table must cover every route the service
// registers, so a new route without a case fails here.

let identity: IdentityProcess;
let catalog: TestCatalog;
let url: string;
let owner: TestUser;
const G = ref("graphs/g");
const UUID = "00000000-0000-4000-8000-000000000000";
const LONG = "p".repeat(300);

interface Case {
  route: string;
  method?: string;
  path: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  status?: number;
  /** Paths the 400 must name (all of them). */
  paths?: string[];
}

const NO_INPUT = new Set(["GET /api/resource-types", "GET /api/signing-keys"]);

const CASES: Case[] = [
  { route: "POST /api/resources", path: "/api/resources", json: { type: "component", name: "Bad Name", body: { inputs: "x", outputs: [] } }, paths: ["body.name", "body.body.inputs"] },
  { route: "POST /api/resources", path: "/api/resources", json: { type: "widget", name: "w", body: {} }, paths: ["body.type"] },
  { route: "POST /api/resources", path: "/api/resources", json: { type: "context", name: "c", visibility: "secret", tags: ["Upper"], metadata: [], body: { format: "json" } }, paths: ["body.visibility", "body.tags.0", "body.metadata", "body.body.data"] },
  { route: "GET /api/resources", path: "/api/resources?limit=0&type=widget&verified=maybe&tag=BAD", paths: ["query.limit", "query.type", "query.verified", "query.tag.0"] },
  { route: "GET /api/resources", path: "/api/resources?cursor=garbage", paths: ["query.cursor"] },
  { route: "GET /api/resources", path: `/api/resources?org=a%00b&cursor=${Buffer.from('{"key":"a\\u0000","id":"x"}').toString("base64url")}`, paths: ["query.org"] },
  { route: "GET /api/resources", path: `/api/resources?cursor=${Buffer.from('{"key":"a\\u0000","id":"00000000-0000-4000-8000-000000000000"}').toString("base64url")}`, paths: ["query.cursor"] },
  { route: "POST /api/resources", path: "/api/resources", json: { type: "context", name: "nul", description: "a\u0000b", title: "t\u0000", body: { format: "text", content: "ok \u0000 inside JSON is fine" } }, paths: ["body.description", "body.title"] },
  { route: "GET /api/resources/:ref", path: "/api/resources/not%20a%20ref", paths: ["params.ref"] },
  { route: "PATCH /api/resources/:ref", method: "PATCH", path: `/api/resources/${G}`, json: {}, paths: ["body"] },
  { route: "PATCH /api/resources/:ref", method: "PATCH", path: `/api/resources/${G}`, json: { body: { nodes: [], colour: 1 } }, paths: ["body.body.nodes", "body.body"] },
  { route: "PATCH /api/resources/:ref", method: "PATCH", path: `/api/resources/${G}`, json: { type: "context", title: "" }, paths: ["body", "body.title"] },
  { route: "DELETE /api/resources/:ref", method: "DELETE", path: "/api/resources/graphs%2FBAD", paths: ["params.ref"] },
  { route: "GET /api/resources/:ref/history", path: `/api/resources/${G}/history?limit=abc`, paths: ["query.limit"] },
  { route: "GET /api/resources/:ref/history", path: `/api/resources/${G}/history?cursor=${Buffer.from('{"seq":-1}').toString("base64url")}`, paths: ["query.cursor"] },
  { route: "GET /api/resources/:ref/grants", path: "/api/resources/x/grants", paths: ["params.ref"] },
  { route: "PUT /api/resources/:ref/grants/:principalId", method: "PUT", path: `/api/resources/${G}/grants/someone`, json: { access: "admin" }, paths: ["body.access"] },
  { route: "DELETE /api/resources/:ref/grants/:principalId", method: "DELETE", path: `/api/resources/${G}/grants/${LONG}`, paths: ["params.principalId"] },
  { route: "PUT /api/resources/:ref/grants/:principalId", method: "PUT", path: `/api/resources/${G}/grants/a%00b`, json: { access: "read" }, paths: ["params.principalId"] },
  { route: "GET /api/resources/:ref/draft", path: "/api/resources/x/draft", paths: ["params.ref"] },
  { route: "POST /api/resources/:ref/publish", path: `/api/resources/${G}/publish`, json: { changelog: 5, expectedVersion: 0 }, paths: ["body.changelog", "body.expectedVersion"] },
  { route: "GET /api/resources/:ref/versions", path: `/api/resources/${G}/versions?status=old&cursor=-3`, paths: ["query.status"] },
  { route: "GET /api/resources/:ref/versions", path: `/api/resources/${G}/versions?cursor=-3`, paths: ["query.cursor"] },
  { route: "GET /api/resources/:ref/versions/:version", path: `/api/resources/${G}/versions/v1`, paths: ["params.version"] },
  { route: "PUT /api/resources/:ref/versions/:version", method: "PUT", path: `/api/resources/${G}/versions/0`, json: {}, paths: ["params.version"] },
  { route: "PATCH /api/resources/:ref/versions/:version", method: "PATCH", path: `/api/resources/${G}/versions/sha256:abc`, json: {}, paths: ["params.version"] },
  { route: "DELETE /api/resources/:ref/versions/:version", method: "DELETE", path: `/api/resources/${G}/versions/latest!`, paths: ["params.version"] },
  { route: "POST /api/resources/:ref/versions/:version/deprecate", path: `/api/resources/${G}/versions/1/deprecate`, json: { reason: "   " }, paths: ["body.reason"] },
  { route: "POST /api/resources/:ref/versions/:version/yank", path: `/api/resources/${G}/versions/1/yank`, json: {}, paths: ["body.reason"] },
  { route: "GET /api/resources/:ref/changelog", path: "/api/resources/nope/changelog", paths: ["params.ref"] },
  { route: "PUT /api/resources/:ref/draft/artifacts/:name", method: "PUT", path: `/api/resources/${G}/draft/artifacts/bad%20name?contentType=bogus`, body: "x", headers: { "content-type": "application/octet-stream" }, paths: ["params.name", "query.contentType"] },
  { route: "PUT /api/resources/:ref/draft/artifacts/:name", method: "PUT", path: `/api/resources/${G}/draft/artifacts/a.txt`, body: "x", headers: { "content-type": "" }, paths: ["query.contentType"] },
  { route: "PUT /api/resources/:ref/draft/artifacts/:name", method: "PUT", path: `/api/resources/${G}/draft/artifacts/a.txt`, body: "x", headers: { "content-type": "not-a-media-type" }, paths: ["headers.content-type"] },
  { route: "POST /api/resources/:ref/draft/artifacts", path: `/api/resources/${G}/draft/artifacts`, json: { file: "x" }, status: 415 },
  { route: "POST /api/resources/:ref/draft/artifacts", path: "/api/resources/x/draft/artifacts", body: "x", headers: { "content-type": "multipart/form-data; boundary=b" }, paths: ["params.ref"] },
  { route: "GET /api/resources/:ref/draft/artifacts", path: "/api/resources/x/draft/artifacts", paths: ["params.ref"] },
  { route: "GET /api/resources/:ref/draft/artifacts/:name", path: `/api/resources/${G}/draft/artifacts/a%20b`, paths: ["params.name"] },
  { route: "DELETE /api/resources/:ref/draft/artifacts/:name", method: "DELETE", path: `/api/resources/${G}/draft/artifacts/%2Fetc`, paths: ["params.name"] },
  { route: "GET /api/resources/:ref/versions/:version/artifacts", path: `/api/resources/${G}/versions/-1/artifacts`, paths: ["params.version"] },
  { route: "GET /api/resources/:ref/versions/:version/artifacts/:name", path: `/api/resources/${G}/versions/1/artifacts/bad%20name`, paths: ["params.name"] },
  { route: "PUT /api/resources/:ref/versions/:version/artifacts/:name", method: "PUT", path: `/api/resources/${G}/versions/x/artifacts/a`, body: "x", headers: { "content-type": "application/octet-stream" }, paths: ["params.version"] },
  { route: "DELETE /api/resources/:ref/versions/:version/artifacts/:name", method: "DELETE", path: `/api/resources/${G}/versions/1/artifacts/bad%20name`, paths: ["params.name"] },
  { route: "POST /api/signing-keys", path: "/api/signing-keys", json: { name: "", publicKey: "short" }, paths: ["body.name", "body.publicKey"] },
  { route: "POST /api/signing-keys", path: "/api/signing-keys", json: { name: "k", publicKey: "A".repeat(60) }, paths: ["body.publicKey"] },
  { route: "DELETE /api/signing-keys/:keyId", method: "DELETE", path: "/api/signing-keys/42", paths: ["params.keyId"] },
  { route: "POST /api/resources/:ref/versions/:version/signatures", path: `/api/resources/${G}/versions/1/signatures`, json: { keyId: "x", signature: "!" }, paths: ["body.keyId", "body.signature"] },
  { route: "GET /api/resources/:ref/versions/:version/signatures", path: `/api/resources/${G}/versions/one/signatures`, paths: ["params.version"] },
  { route: "POST /api/resources/:ref/versions/:version/verify", path: `/api/resources/${G}/versions/1/verify`, json: { keyId: UUID }, paths: ["body.signature"] },
  { route: "POST /api/resources/:ref/versions/:version/verify", path: `/api/resources/${G}/versions/1/verify`, json: { signature: "A".repeat(86) }, paths: ["body.keyId"] },
  { route: "GET /api/search", path: "/api/search?limit=1000", paths: ["query.q", "query.limit"] },
  { route: "GET /api/search", path: "/api/search?q=%20%20&type=widget", paths: ["query.q", "query.type"] },
  { route: "GET /api/search", path: "/api/search?q=a%00", paths: ["query.q"] },
  { route: "POST /api/resources/:ref/publish", path: `/api/resources/${G}/publish`, json: { changelog: "bad \u0000" }, paths: ["body.changelog"] },
];

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  url = catalog.url;
  owner = await identity.registerUser({ orgName: "Bad Input" });
  await call(url, "/api/resources", { token: owner.token, json: { type: "graph", name: "g", body: { nodes: [{ id: "a", component: "map" }] } } });
  await call(url, `/api/resources/${G}/publish`, { token: owner.token, json: {} });
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
});

async function everyRow() {
  const db = catalog.deps.database.db;
  return {
    resources: await db.select().from(resources).orderBy(asc(resources.id)),
    versions: await db.select().from(resourceVersions).orderBy(asc(resourceVersions.id)),
    artifacts: await db.select().from(artifacts).orderBy(asc(artifacts.id)),
    keys: await db.select().from(signingKeys).orderBy(asc(signingKeys.id)),
    signatures: await db.select().from(signatures).orderBy(asc(signatures.id)),
    grants: await db.select().from(resourceGrants).orderBy(asc(resourceGrants.principalId)),
    events: await db.select().from(resourceEvents).orderBy(asc(resourceEvents.id)),
    blobs: await catalog.deps.blobs.blobDigests(),
    temp: await catalog.deps.blobs.tempFiles(),
  };
}

describe("bad input on every route", () => {
  it("has a case for every route the service registers", () => {
    const registered = catalog.server.routes.filter((r) => r.path.startsWith("/api/") && r.path !== "/api/bootstrap/service").map((r) => `${r.method.toUpperCase()} ${r.path}`);
    const covered = new Set([...CASES.map((c) => c.route), ...NO_INPUT]);
    expect(registered.filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((r) => !registered.includes(r))).toEqual([]);
  });

  it("answers 400 naming every failing path (415 for a wrong media type), and stores nothing", async () => {
    const before = await everyRow();
    for (const c of CASES) {
      const method = c.method ?? (c.json !== undefined || c.body !== undefined ? "POST" : "GET");
      const res = await call(url, c.path, { method, token: owner.token, ...(c.json !== undefined ? { json: c.json } : {}), ...(c.body !== undefined ? { body: c.body } : {}), ...(c.headers ? { headers: c.headers } : {}) });
      const label = `${c.route} ${c.path}`;
      expect(res.status, label).toBe(c.status ?? 400);
      if (c.paths) {
        expect(res.body.error.code, label).toBe("validation_failed");
        const named = (res.body.error.details.issues as { path: string }[]).map((i) => i.path);
        expect(named, label).toEqual(expect.arrayContaining(c.paths));
      }
    }
    expect(await everyRow()).toEqual(before);
  });

  it("publishes and verifies without a body at all", async () => {
    await call(url, `/api/resources/${G}`, { method: "PATCH", token: owner.token, json: { description: "v2" } });
    expect((await call(url, `/api/resources/${G}/publish`, { method: "POST", token: owner.token })).status).toBe(201);
    expect((await call(url, `/api/resources/${G}/versions/2/verify`, { method: "POST", token: owner.token })).body).toMatchObject({ valid: false, results: [] });
  });

  it("answers 400 to a body that is not JSON", async () => {
    const res = await call(url, "/api/resources", { token: owner.token, headers: { "content-type": "application/json" }, body: "{ nope" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
  });
});

describe("documentation and health", () => {
  it("serves a valid OpenAPI 3.1 document listing every route, and llms.txt", async () => {
    const doc = await call(url, "/docs/openapi.json");
    expect(doc.status).toBe(200);
    const result = await validateOpenApi(structuredClone(doc.body));
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/resources/{ref}/versions/{version}", "/api/resources/{ref}/draft/artifacts/{name}", "/api/search", "/api/signing-keys"]));
    expect((await call(url, "/docs/llms.txt")).body).toMatch(/Publish/);
  });

  it("is ready while identity answers", async () => {
    const ready = await call(url, "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ database: { ok: true }, identity: { ok: true } });
  });

  it("describes each resource type with the JSON Schema of its body", async () => {
    const types = await call(url, "/api/resource-types", { token: owner.token });
    expect(types.body.items.map((t: { type: string }) => t.type)).toEqual(["component", "graph", "executor", "assistant", "context", "integration"]);
    expect(types.body.items[0].bodySchema.properties.inputs.type).toBe("array");
  });
});
