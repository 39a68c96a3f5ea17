import { rm } from "node:fs/promises";
import { createDatabase } from "@symbia/db";
import { createTestDatabase } from "@symbia/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BODIES, call, ref, startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "../../test/harness.js";
import * as schema from "../db/schema.js";
import { migrationsDir } from "../deps.js";

let identity: IdentityProcess;
let catalog: TestCatalog;
let url: string;
let owner: TestUser;

/**
 * The digest of the fixed resource below: SHA-256 over the RFC 8785 form of its content. A
 * constant, so the same assertion holds on pg-mem, on PostgreSQL and after a restart.
 */
const FIXED_DIGEST = "sha256:1d16f6bbee33d7d1b5a2bc043f779ccbc66f696e3d10eb24cf4c16c399ee4f9e";

const fixed = {
  type: "graph",
  name: "fixed",
  title: "Fixed graph",
  description: "Digest reference",
  tags: ["b", "a"],
  metadata: { owner: "tests", n: 1.5 },
  body: { nodes: [{ id: "double", component: "map", config: { expression: "value * 2" } }] },
};

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  url = catalog.url;
  owner = await identity.registerUser({ orgName: "Versions Org" });
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
});

describe("POST /api/resources/:ref/publish", () => {
  it("freezes the draft as version 1 with a digest over its canonical content, and announces it", async () => {
    const created = await call(url, "/api/resources", { token: owner.token, json: fixed });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: "graphs/fixed", status: "draft", latestVersion: null, versionCount: 0, tags: ["a", "b"], visibility: "org" });
    const published = await call(url, `/api/resources/${ref("graphs/fixed")}/publish`, { token: owner.token, json: { changelog: "first" } });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ version: 1, status: "published", changelog: "first", key: "graphs/fixed" });
    expect(published.body.content).toEqual({
      type: "graph",
      key: "graphs/fixed",
      name: "fixed",
      title: "Fixed graph",
      description: "Digest reference",
      tags: ["a", "b"],
      metadata: { owner: "tests", n: 1.5 },
      body: { nodes: [{ id: "double", component: "map", config: { expression: "value * 2" }, onError: "fail" }], edges: [] },
      artifacts: [],
    });
    expect(published.body.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(catalog.events.map((e) => [e.resource.key, e.version.version, e.version.digest])).toEqual([["graphs/fixed", 1, published.body.digest]]);
    const resource = await call(url, `/api/resources/${ref("graphs/fixed")}`, { token: owner.token });
    expect(resource.body).toMatchObject({ status: "published", latestVersion: 1, latestDigest: published.body.digest, versionCount: 1 });
  });

  it("gives the same digest on every backend and after every restart (a constant)", async () => {
    const v1 = await call(url, `/api/resources/${ref("graphs/fixed")}/versions/1`, { token: owner.token });
    expect(v1.body.digest).toBe(FIXED_DIGEST);
  });

  it("refuses to publish an unchanged draft (409) and an unexpected version number", async () => {
    const again = await call(url, `/api/resources/${ref("graphs/fixed")}/publish`, { token: owner.token, json: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/unchanged since version 1/);
    await call(url, `/api/resources/${ref("graphs/fixed")}`, { method: "PATCH", token: owner.token, json: { description: "changed" } });
    const wrong = await call(url, `/api/resources/${ref("graphs/fixed")}/publish`, { token: owner.token, json: { expectedVersion: 5 } });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.details).toEqual({ nextVersion: 2 });
    const ok = await call(url, `/api/resources/${ref("graphs/fixed")}/publish`, { token: owner.token, json: { expectedVersion: 2, changelog: "second" } });
    expect(ok.status).toBe(201);
    expect(ok.body.version).toBe(2);
    expect(ok.body.digest).not.toBe(FIXED_DIGEST);
  });
});

describe("published versions are frozen", () => {
  it("answers 409 to PUT, PATCH and DELETE of a version, and the version is unchanged", async () => {
    const before = await call(url, `/api/resources/${ref("graphs/fixed")}/versions/1`, { token: owner.token });
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const res = await call(url, `/api/resources/${ref("graphs/fixed")}/versions/1`, { method, token: owner.token, json: { content: { body: {} } } });
      expect(res.status, method).toBe(409);
      expect(res.body.error.message).toMatch(/frozen/);
    }
    const edit = await call(url, `/api/resources/${ref("graphs/fixed")}/versions/${FIXED_DIGEST}`, { method: "PATCH", token: owner.token, json: {} });
    expect(edit.status).toBe(409);
    const after = await call(url, `/api/resources/${ref("graphs/fixed")}/versions/1`, { token: owner.token });
    expect(after.body).toEqual(before.body);
  });

  it("keeps editing the draft without touching published content", async () => {
    const patched = await call(url, `/api/resources/${ref("graphs/fixed")}`, {
      method: "PATCH",
      token: owner.token,
      json: { body: { nodes: [{ id: "triple", component: "map", config: { expression: "value * 3" } }] } },
    });
    expect(patched.status).toBe(200);
    const v1 = await call(url, `/api/resources/${ref("graphs/fixed")}/versions/1`, { token: owner.token });
    expect(v1.body.content.body.nodes[0].id).toBe("double");
    const draft = await call(url, `/api/resources/${ref("graphs/fixed")}/draft`, { token: owner.token });
    expect(draft.body.content.body.nodes[0].id).toBe("triple");
    expect(draft.body.unchanged).toBe(false);
  });
});

describe("GET /api/resources/:ref/versions/:version", () => {
  it("fetches by number, by digest and latest; latest skips yanked versions", async () => {
    await call(url, "/api/resources", { token: owner.token, json: { type: "context", name: "notes", body: { format: "text", content: "one" } } });
    const key = ref("contexts/notes");
    const v1 = (await call(url, `/api/resources/${key}/publish`, { token: owner.token, json: {} })).body;
    await call(url, `/api/resources/${key}`, { method: "PATCH", token: owner.token, json: { body: { format: "text", content: "two" } } });
    const v2 = (await call(url, `/api/resources/${key}/publish`, { token: owner.token, json: {} })).body;
    expect((await call(url, `/api/resources/${key}/versions/latest`, { token: owner.token })).body.version).toBe(2);
    expect((await call(url, `/api/resources/${key}/versions/${v1.digest}`, { token: owner.token })).body.version).toBe(1);
    expect((await call(url, `/api/resources/${key}/versions/1`, { token: owner.token })).body.content.body.content).toBe("one");

    const yanked = await call(url, `/api/resources/${key}/versions/2/yank`, { token: owner.token, json: { reason: "leaks a secret" } });
    expect(yanked.body).toMatchObject({ version: 2, status: "yanked", statusReason: "leaks a secret" });
    expect((await call(url, `/api/resources/${key}/versions/latest`, { token: owner.token })).body.version).toBe(1);
    expect((await call(url, `/api/resources/${key}/versions/${v2.digest}`, { token: owner.token })).body.status).toBe("yanked");
    expect((await call(url, `/api/resources/${key}`, { token: owner.token })).body).toMatchObject({ status: "published", latestVersion: 1, latestDigest: v1.digest, versionCount: 2 });

    const deprecated = await call(url, `/api/resources/${key}/versions/1/deprecate`, { token: owner.token, json: { reason: "use v3" } });
    expect(deprecated.body).toMatchObject({ status: "deprecated", statusReason: "use v3" });
    expect((await call(url, `/api/resources/${key}`, { token: owner.token })).body.status).toBe("deprecated");
    expect((await call(url, `/api/resources/${key}/versions/2/deprecate`, { token: owner.token, json: { reason: "x" } })).status).toBe(409);
    expect((await call(url, `/api/resources/${key}/versions/1/yank`, { token: owner.token, json: { reason: "gone" } })).status).toBe(200);
    expect((await call(url, `/api/resources/${key}`, { token: owner.token })).body).toMatchObject({ status: "yanked", latestVersion: null });
    expect((await call(url, `/api/resources/${key}/versions/latest`, { token: owner.token })).status).toBe(404);
    expect((await call(url, `/api/resources/${key}/versions/7`, { token: owner.token })).status).toBe(404);
  });
});

describe("changelog and history", () => {
  it("lists each version's changelog, newest first, and the history of every change, oldest first", async () => {
    const changelog = await call(url, `/api/resources/${ref("graphs/fixed")}/changelog`, { token: owner.token });
    expect(changelog.body.items.map((e: { version: number; changelog: string }) => [e.version, e.changelog])).toEqual([
      [2, "second"],
      [1, "first"],
    ]);
    const versions = await call(url, `/api/resources/${ref("graphs/fixed")}/versions?limit=1`, { token: owner.token });
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2]);
    const next = await call(url, `/api/resources/${ref("graphs/fixed")}/versions?limit=1&cursor=${versions.body.nextCursor}`, { token: owner.token });
    expect(next.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(next.body.nextCursor).toBeNull();

    const history = await call(url, `/api/resources/${ref("contexts/notes")}/history`, { token: owner.token });
    expect(history.body.items.map((e: { type: string; version: number | null }) => [e.type, e.version])).toEqual([
      ["created", null],
      ["published", 1],
      ["draft.updated", null],
      ["published", 2],
      ["yanked", 2],
      ["deprecated", 1],
      ["yanked", 1],
    ]);
    expect(history.body.items[4].data).toEqual({ reason: "leaks a secret" });
    const paged = await call(url, `/api/resources/${ref("contexts/notes")}/history?limit=3`, { token: owner.token });
    const rest = await call(url, `/api/resources/${ref("contexts/notes")}/history?limit=10&cursor=${paged.body.nextCursor}`, { token: owner.token });
    expect([...paged.body.items, ...rest.body.items].map((e: { id: string }) => e.id)).toEqual(history.body.items.map((e: { id: string }) => e.id));
  });
});

describe("every type publishes", () => {
  it("creates and publishes one resource of each type", async () => {
    for (const [type, body] of Object.entries(BODIES)) {
      const created = await call(url, "/api/resources", { token: owner.token, json: { type, name: `every-${type}`, body } });
      expect(created.status, type).toBe(201);
      const published = await call(url, `/api/resources/${created.body.id}/publish`, { token: owner.token, json: {} });
      expect(published.status, type).toBe(201);
    }
  });
});

describe("digests survive a restart", () => {
  it("reads the same version and digest from a new catalog on the same database", async () => {
    const database = await createTestDatabase({ service: "catalog", schema, migrationsDir, ...(process.env.TEST_DATABASE_URL ? {} : { exportPath: `${catalog.artifactsDir}-restart.json` }) });
    const first = await startCatalog(identity, { database, keepState: true });
    const o = owner;
    expect((await call(first.url, "/api/resources", { token: o.token, json: fixed })).status).toBe(201);
    const published = await call(first.url, `/api/resources/${ref("graphs/fixed")}/publish`, { token: o.token, json: {} });
    expect(published.body.digest).toBe(FIXED_DIGEST);
    await first.close();
    let reopened: typeof database;
    if (database.url) {
      const again = await createDatabase({ service: "catalog", schema, migrationsDir, config: { memory: false, url: database.url, schemaName: database.schemaName } });
      const closeAgain = again.close.bind(again);
      reopened = Object.assign(again, {
        url: database.url,
        closeConnections: closeAgain,
        close: async () => {
          await closeAgain();
          await database.close();
        },
      });
    } else reopened = await createTestDatabase({ service: "catalog", schema, migrationsDir, exportPath: `${catalog.artifactsDir}-restart.json` });
    const second = await startCatalog(identity, { database: reopened, artifactsDir: first.artifactsDir });
    try {
      const v1 = await call(second.url, `/api/resources/${ref("graphs/fixed")}/versions/${FIXED_DIGEST}`, { token: o.token });
      expect(v1.status).toBe(200);
      expect(v1.body).toEqual(published.body);
    } finally {
      await second.close();
      await rm(`${catalog.artifactsDir}-restart.json`, { force: true });
    }
  });
});
