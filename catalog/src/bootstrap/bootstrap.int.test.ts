import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, ref, startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "../../test/harness.js";
import { DEFAULT_BOOTSTRAP_FILE } from "../config.js";
import { resourceEvents, resources, resourceVersions } from "../db/schema.js";
import { loadBootstrap } from "./bootstrap.service.js";

let identity: IdentityProcess;
let catalog: TestCatalog;
let user: TestUser;
let dir: string;

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  user = await identity.registerUser({ orgName: "Consumers" });
  dir = await mkdtemp(join(tmpdir(), "catalog-bootstrap-"));
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every row bootstrap can touch, in a stable order. */
async function snapshot() {
  const db = catalog.deps.database.db;
  return {
    resources: await db.select().from(resources).orderBy(asc(resources.key)),
    versions: await db.select().from(resourceVersions).orderBy(asc(resourceVersions.resourceId), asc(resourceVersions.version)),
    events: await db.select().from(resourceEvents).orderBy(asc(resourceEvents.resourceId), asc(resourceEvents.seq)),
  };
}

describe("loadBootstrap (the platform file)", () => {
  it("creates and publishes every platform resource the first time", async () => {
    const file = JSON.parse(await readFile(DEFAULT_BOOTSTRAP_FILE, "utf8")) as { resources: { type: string; name: string }[] };
    const report = await loadBootstrap(catalog.deps, DEFAULT_BOOTSTRAP_FILE);
    expect(report.created).toHaveLength(file.resources.length);
    expect(report.published.every((p) => p.version === 1)).toBe(true);
    expect(report.published).toHaveLength(file.resources.length);
    expect(report.created).toEqual(expect.arrayContaining(["components/map", "integrations/openai", "assistants/default", "executors/runtime-builtins"]));
    expect(catalog.events.map((e) => e.resource.key).sort()).toEqual([...report.created].sort());
    expect(catalog.events.every((e) => e.resource.orgId === "platform" && e.resource.visibility === "public")).toBe(true);
  });

  it("changes nothing when run again: the same rows, byte for byte", async () => {
    const before = await snapshot();
    const report = await loadBootstrap(catalog.deps, DEFAULT_BOOTSTRAP_FILE);
    expect(report).toMatchObject({ created: [], updated: [], published: [] });
    expect(await snapshot()).toEqual(before);
  });

  it("publishes a new version for a changed entry and never rewrites the published one", async () => {
    const file = JSON.parse(await readFile(DEFAULT_BOOTSTRAP_FILE, "utf8")) as { resources: { name: string; description: string; changelog?: string }[] };
    const map = file.resources.find((r) => r.name === "map")!;
    map.description = "Replaces each value with an expression's result (now documented better).";
    map.changelog = "Better description";
    const changed = join(dir, "changed.json");
    await writeFile(changed, JSON.stringify(file));
    const v1 = await call(catalog.url, `/api/resources/${ref("components/map")}/versions/1`, { token: user.token });
    const report = await loadBootstrap(catalog.deps, changed);
    expect(report.published).toEqual([{ key: "components/map", version: 2, digest: expect.stringMatching(/^sha256:/) }]);
    expect(report.updated).toEqual(["components/map"]);
    expect(report.unchanged).toHaveLength(file.resources.length - 1);
    expect((await call(catalog.url, `/api/resources/${ref("components/map")}/versions/1`, { token: user.token })).body).toEqual(v1.body);
    const latest = await call(catalog.url, `/api/resources/${ref("components/map")}/versions/latest`, { token: user.token });
    expect(latest.body).toMatchObject({ version: 2, changelog: "Better description", publishedBy: "service:catalog" });
    expect(latest.body.content.description).toMatch(/documented better/);
    // And the changed file is now the steady state.
    expect((await loadBootstrap(catalog.deps, changed)).published).toEqual([]);
  });

  it("refuses an invalid file, naming the failing path, and changes nothing", async () => {
    const before = await snapshot();
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ resources: [{ type: "component", name: "broken", body: { inputs: [{ name: "in", schema: { type: "nope" } }], outputs: [] } }] }));
    await expect(loadBootstrap(catalog.deps, bad)).rejects.toThrow(/resources\.0\.body\.inputs\.0\.schema/);
    await writeFile(bad, "{ not json");
    await expect(loadBootstrap(catalog.deps, bad)).rejects.toThrow(/not JSON/);
    expect(await snapshot()).toEqual(before);
  });
});

describe("platform resources for everyone", () => {
  it("resolves platform keys for any principal, including one without an org", async () => {
    const outsider = await identity.registerUser({ orgName: null });
    for (const who of [user, outsider]) {
      const res = await call(catalog.url, `/api/resources/${ref("integrations/openai")}/versions/latest`, { token: who.token });
      expect(res.status).toBe(200);
      expect(res.body.content.body.provider).toBe("openai");
    }
    // An org's own resource of the same key shadows the platform's for its members.
    await call(catalog.url, "/api/resources", { token: user.token, json: { type: "integration", name: "openai", body: { provider: "openai", baseUrl: "https://proxy.example.com" } } });
    expect((await call(catalog.url, `/api/resources/${ref("integrations/openai")}`, { token: user.token })).body.orgId).toBe(user.orgId);
    expect((await call(catalog.url, `/api/resources/${ref("integrations/openai")}`, { token: outsider.token })).body.orgId).toBe("platform");
  });

  it("lists them to a principal of any org as public resources", async () => {
    const res = await call(catalog.url, "/api/resources?org=platform&type=component", { token: user.token });
    expect(res.body.items.map((r: { name: string }) => r.name)).toEqual(["accumulator", "delay", "filter", "map", "merge", "passthrough", "split"]);
  });
});
