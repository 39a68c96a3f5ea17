import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { CatalogClient, contentDigest } from "@symbia/catalog-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "./harness.js";

// @symbia/catalog-client against a real catalog: every call goes over HTTP to the service.

let identity: IdentityProcess;
let catalog: TestCatalog;
let owner: TestUser;
let client: CatalogClient;
let dir: string;

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  owner = await identity.registerUser({ orgName: "Client Org" });
  client = new CatalogClient({ baseUrl: catalog.url, token: { getToken: async () => owner.token } });
  dir = await mkdtemp(join(tmpdir(), "catalog-client-"));
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("CatalogClient", () => {
  it("creates, edits, publishes and reads versions, checking digests", async () => {
    const created = await client.createResource({
      type: "component",
      name: "scale",
      title: "Scale",
      tags: ["math"],
      body: { inputs: [{ name: "in", schema: { type: "number" } }], outputs: [{ name: "out", schema: { type: "number" } }], config: { type: "object", properties: { factor: { type: "number" } } } },
    });
    expect(created).toMatchObject({ key: "components/scale", status: "draft", orgId: owner.orgId });
    const v1 = await client.publish("components/scale", { changelog: "first" });
    expect(v1.digest).toBe(contentDigest(v1.content));
    await client.updateResource(created.id, { description: "Multiplies by a factor" });
    expect((await client.getDraft("components/scale")).unchanged).toBe(false);
    const v2 = await client.publish(created.id, { changelog: "described" });
    expect((await client.getVersion("components/scale", "latest")).version).toBe(2);
    expect((await client.getVersion("components/scale", v1.digest as `sha256:${string}`)).version).toBe(1);
    expect((await client.listVersions("components/scale")).items.map((v) => v.version)).toEqual([2, 1]);
    await client.deprecate("components/scale", 1, "superseded");
    expect((await client.changelog("components/scale")).map((c) => [c.version, c.status])).toEqual([
      [2, "published"],
      [1, "deprecated"],
    ]);
    expect((await client.history("components/scale")).items.map((e) => e.type)).toEqual(["created", "published", "draft.updated", "published", "deprecated"]);
    expect(v2.content.description).toBe("Multiplies by a factor");
  });

  it("throws the catalog's error code and failing paths", async () => {
    await expect(client.publish("components/scale")).rejects.toMatchObject({ code: "conflict" });
    await expect(client.getResource("components/missing")).rejects.toMatchObject({ code: "not_found" });
    await expect(client.createResource({ type: "graph", name: "g", body: { nodes: [] } })).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [expect.objectContaining({ path: "body.body.nodes" })] },
    });
  });

  it("lists, iterates and searches", async () => {
    for (const name of ["a", "b", "c"]) await client.createResource({ type: "context", name: `page-${name}`, body: { format: "text", content: name } });
    const all: string[] = [];
    for await (const r of client.iterateResources({ type: "context", limit: 2 })) all.push(r.key);
    expect(all).toEqual(["contexts/page-a", "contexts/page-b", "contexts/page-c"]);
    expect((await client.search({ q: "page", limit: 1 })).total).toBe(3);
    expect((await client.resourceTypes()).map((t) => t.plural)).toEqual(["components", "graphs", "executors", "assistants", "contexts", "integrations"]);
  });

  it("streams artifacts up (iterable and file) and down (stream and file), checking the digest", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
    }
    const up = await client.uploadArtifact("components/scale", "blob.bin", chunks(), { contentType: "application/octet-stream" });
    expect(up).toMatchObject({ size: bytes.length, digest });
    const path = join(dir, "weights.json");
    await writeFile(path, JSON.stringify({ factor: 2 }));
    expect((await client.uploadArtifactFile("components/scale", "weights.json", path, { contentType: "application/json" })).contentType).toBe("application/json");
    await client.uploadArtifact("components/scale", "note.txt", Readable.from([Buffer.from("hello ")], { objectMode: false }), { contentType: "text/plain" });
    expect((await client.listArtifacts("components/scale", "draft")).map((a) => a.name)).toEqual(["blob.bin", "note.txt", "weights.json"]);
    const v3 = await client.publish("components/scale");
    expect(v3.content.artifacts.map((a) => a.name)).toEqual(["blob.bin", "note.txt", "weights.json"]);

    const target = join(dir, "out.bin");
    expect(await client.downloadArtifactToFile("components/scale", 3, "blob.bin", target)).toEqual({ size: bytes.length, digest });
    expect((await readFile(target)).equals(bytes)).toBe(true);
    const json = await client.downloadArtifactBytes("components/scale", "latest", "weights.json");
    expect(JSON.parse(json.bytes.toString())).toEqual({ factor: 2 });
    await client.deleteDraftArtifact("components/scale", "note.txt");
    expect((await client.listArtifacts("components/scale", 3)).map((a) => a.name)).toEqual(["blob.bin", "note.txt", "weights.json"]);
  });

  it("refuses an oversized file before sending it all", async () => {
    const small = await startCatalog(identity, { env: { CATALOG_ARTIFACT_MAX_BYTES: "1024" } });
    try {
      const c = new CatalogClient({ baseUrl: small.url, token: owner.token });
      await c.createResource({ type: "context", name: "limits", body: { format: "text", content: "x" } });
      const path = join(dir, "big.bin");
      await writeFile(path, randomBytes(4096));
      await expect(c.uploadArtifactFile("contexts/limits", "big.bin", path, { contentType: "application/octet-stream" })).rejects.toMatchObject({ code: "payload_too_large" });
      expect(await small.deps.blobs.tempFiles()).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it("detects bytes or content altered in transit", async () => {
    // A transport that flips one byte of every artifact body and one letter of every version.
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const type = res.headers.get("content-type") ?? "";
      const body = Buffer.from(await res.arrayBuffer());
      if (String(input).includes("/artifacts/")) body[0] = body[0]! ^ 0xff;
      else if (type.includes("json")) return new Response(body.toString().replace("Multiplies", "Divides"), { status: res.status, headers: res.headers });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const tampered = new CatalogClient({ baseUrl: catalog.url, token: owner.token, fetch: tampering });
    await expect(tampered.getVersion("components/scale", 2)).rejects.toMatchObject({ code: "bad_gateway", message: expect.stringMatching(/content hashes to/) });
    await expect(tampered.downloadArtifactBytes("components/scale", 3, "blob.bin")).rejects.toMatchObject({ code: "bad_gateway" });
    const target = join(dir, "tampered.bin");
    await expect(tampered.downloadArtifactToFile("components/scale", 3, "blob.bin", target)).rejects.toMatchObject({ code: "bad_gateway" });
    await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(stat(`${target}.partial`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("manages grants", async () => {
    const other = await identity.registerUser({ orgName: null });
    await client.createResource({ type: "context", name: "secret", visibility: "private", body: { format: "text", content: "s" } });
    const otherClient = new CatalogClient({ baseUrl: catalog.url, token: other.token });
    await expect(otherClient.getResource((await client.getResource("contexts/secret")).id)).rejects.toMatchObject({ code: "not_found" });
    await client.grant("contexts/secret", other.principal.id);
    expect((await client.listGrants("contexts/secret")).map((g) => g.principalId)).toEqual([other.principal.id]);
    expect((await otherClient.getResource((await client.getResource("contexts/secret")).id)).key).toBe("contexts/secret");
    await client.revokeGrant("contexts/secret", other.principal.id);
    expect(await client.listGrants("contexts/secret")).toEqual([]);
  });
});
