import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatalogClient } from "@symbia/catalog-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCatalog, type CatalogProcess } from "./catalog-process.js";
import { client, eventually, startIdentity, startRuntime, type IdentityProcess, type TestRuntime, type TestUser } from "./harness.js";

const SHIPPED_BOOTSTRAP = new URL("../../catalog/bootstrap/platform.json", import.meta.url);

describe("runtime with a real catalog", () => {
  let identity: IdentityProcess & { superAdmin: TestUser };
  let catalog: CatalogProcess;
  let runtime: TestRuntime;
  let alice: TestUser;
  let bob: TestUser;
  let dir: string;

  beforeAll(async () => {
    identity = await startIdentity();
    // Catalog's shipped bootstrap file, minus split and delay, with map's description changed:
    // publishing from runtime must then leave five resources alone, update one, create two.
    const shipped = JSON.parse(await readFile(SHIPPED_BOOTSTRAP, "utf8")) as { resources: Array<{ type: string; name: string; description: string }> };
    shipped.resources = shipped.resources.filter((r) => !(r.type === "component" && (r.name === "split" || r.name === "delay")));
    const map = shipped.resources.find((r) => r.type === "component" && r.name === "map")!;
    map.description = "An older description of map.";
    dir = await mkdtemp(join(tmpdir(), "runtime-bootstrap-"));
    const bootstrapFile = join(dir, "platform.json");
    await writeFile(bootstrapFile, JSON.stringify(shipped));
    catalog = await spawnCatalog(identity, { bootstrapFile });
    runtime = await startRuntime(identity, { env: { CATALOG_SERVICE_URL: catalog.url } });
    alice = await identity.registerUser({ orgName: "Alice Co" });
    bob = await identity.registerUser({ orgName: "Bob Co" });
  });
  afterAll(async () => {
    await runtime?.close();
    await catalog?.stop();
    await identity?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("executions from catalog graph resources", () => {
    let aliceCatalog: CatalogClient;
    beforeAll(async () => {
      aliceCatalog = new CatalogClient({ baseUrl: catalog.url, token: alice.token });
      await aliceCatalog.createResource({
        type: "graph",
        name: "doubler",
        visibility: "org",
        body: {
          nodes: [
            { id: "in", component: "components/passthrough", config: { schema: { type: "integer" } } },
            { id: "scale", component: "map", config: { expression: "value * 2", outputSchema: { type: "integer" } } },
          ],
          edges: [{ from: "in.out", to: "scale.in" }],
        },
      });
      await aliceCatalog.publish("graphs/doubler", { changelog: "double" });
      await aliceCatalog.updateResource("graphs/doubler", {
        body: {
          nodes: [
            { id: "in", component: "components/passthrough", config: { schema: { type: "integer" } } },
            { id: "scale", component: "map", config: { expression: "value * 3", outputSchema: { type: "integer" } } },
          ],
          edges: [{ from: "in.out", to: "scale.in" }],
        },
      });
      await aliceCatalog.publish("graphs/doubler", { changelog: "triple" });
    });

    async function runOnce(body: Record<string, unknown>, value: number): Promise<{ graphRef: string; outputs: unknown[] }> {
      const asAlice = client(runtime.url, alice.token);
      const created = await asAlice("POST", "/api/executions", { json: { ...body, start: true, options: { metricsIntervalMs: 0 } } });
      expect(created.status).toBe(201);
      const id = created.body.id;
      expect((await asAlice("POST", `/api/executions/${id}/inject`, { json: { node: "in", value } })).status).toBe(202);
      await asAlice("POST", `/api/executions/${id}/end`);
      await eventually(async () => (await asAlice("GET", `/api/executions/${id}`)).body.state === "completed", "completion");
      const outputs = await asAlice("GET", `/api/executions/${id}/outputs`);
      return { graphRef: created.body.graphRef, outputs: outputs.body.items.map((o: { value: unknown }) => o.value) };
    }

    it("runs the latest version of a catalog graph, read as the runtime service for the caller's org", async () => {
      expect(await runOnce({ graphRef: "graphs/doubler" }, 5)).toEqual({ graphRef: "graphs/doubler@2", outputs: [15] });
    });

    it("runs a given version (by number or digest)", async () => {
      expect(await runOnce({ graphRef: "graphs/doubler", version: 1 }, 5)).toEqual({ graphRef: "graphs/doubler@1", outputs: [10] });
      const v1 = await aliceCatalog.getVersion("graphs/doubler", 1);
      expect(await runOnce({ graphRef: "graphs/doubler", version: v1.digest }, 4)).toEqual({ graphRef: "graphs/doubler@1", outputs: [8] });
    });

    it("validates a catalog graph through POST /api/graphs/validate", async () => {
      const res = await client(runtime.url, alice.token)("POST", "/api/graphs/validate", { json: { graphRef: "graphs/doubler" } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ valid: true, graphRef: "graphs/doubler@2", order: ["in", "scale"], openInputs: ["in.in"], openOutputs: ["scale.out"] });
    });

    it("answers 404 for another org's graph, and for an absent graph or version", async () => {
      const asBob = client(runtime.url, bob.token);
      const other = await asBob("POST", "/api/executions", { json: { graphRef: "graphs/doubler" } });
      expect(other.status).toBe(404);
      expect(other.body.error.message).toMatch(/graphs\/doubler was not found in catalog/);
      expect((await asBob("GET", "/api/executions")).body.items).toEqual([]);
      const asAlice = client(runtime.url, alice.token);
      expect((await asAlice("POST", "/api/executions", { json: { graphRef: "graphs/absent" } })).status).toBe(404);
      expect((await asAlice("POST", "/api/executions", { json: { graphRef: "graphs/doubler", version: 9 } })).status).toBe(404);
    });

    it("rejects a catalog graph that does not validate (a cycle), naming the graph and the cycle", async () => {
      await aliceCatalog.createResource({
        type: "graph",
        name: "loop",
        body: {
          nodes: [
            { id: "a", component: "merge" },
            { id: "b", component: "passthrough" },
          ],
          edges: [
            { from: "a.out", to: "b.in" },
            { from: "b.out", to: "a.b" },
          ],
        },
      });
      await aliceCatalog.publish("graphs/loop");
      const res = await client(runtime.url, alice.token)("POST", "/api/executions", { json: { graphRef: "graphs/loop" } });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual({ graphRef: "graphs/loop@1", issues: [{ path: "edges", message: "cycle: a → b → a", cycle: ["a", "b", "a"] }] });
    });
  });

  describe("POST /api/components/publish", () => {
    it("is refused (403 from catalog) for a caller who may not publish in the platform org", async () => {
      const res = await client(runtime.url, alice.token)("POST", "/api/components/publish");
      expect(res.status).toBe(403);
    });

    it("reconciles with catalog's bootstrap: unchanged entries untouched, a changed one updated, missing ones created; then idempotent", async () => {
      const asAdmin = client(runtime.url, identity.superAdmin.token);
      const first = await asAdmin("POST", "/api/components/publish");
      expect(first.status).toBe(200);
      expect(first.body.orgId).toBe("platform");
      const actions = Object.fromEntries(first.body.items.map((i: { key: string; action: string; version: number }) => [i.key, `${i.action}@${i.version}`]));
      expect(actions).toEqual({
        "components/passthrough": "unchanged@1",
        "components/filter": "unchanged@1",
        "components/map": "updated@2",
        "components/merge": "unchanged@1",
        "components/split": "created@1",
        "components/accumulator": "unchanged@1",
        "components/delay": "created@1",
        "executors/runtime-builtins": "unchanged@1",
      });
      const again = await asAdmin("POST", "/api/components/publish");
      expect(again.body.items.map((i: { action: string }) => i.action)).toEqual(Array(8).fill("unchanged"));
      expect(again.body.items.map((i: { digest: string }) => i.digest)).toEqual(first.body.items.map((i: { digest: string }) => i.digest));

      // One resource per component in the platform org, each readable by every member as the public built-in.
      const reader = new CatalogClient({ baseUrl: catalog.url, token: alice.token });
      const components = await reader.listResources({ type: "component", org: "platform", limit: 100 });
      expect(components.items.map((r) => r.key).sort()).toEqual(["components/accumulator", "components/delay", "components/filter", "components/map", "components/merge", "components/passthrough", "components/split"]);
      const map = await reader.getVersion("components/map", "latest");
      expect(map.content.body).toMatchObject({ id: "map", executor: "executors/runtime-builtins" });
      expect(map.publishedBy).toBe(identity.superAdmin.principal.id);
    });
  });
});
