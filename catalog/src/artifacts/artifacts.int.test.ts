import { createHash, randomBytes } from "node:crypto";
import { chmod, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import { CatalogClient } from "@symbia/catalog-client";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, ref, startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "../../test/harness.js";
import { artifacts } from "../db/schema.js";

let identity: IdentityProcess;
let catalog: TestCatalog;
let url: string;
let owner: TestUser;
let client: CatalogClient;
const KEY = "executors/bundle";
const sha = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const MB51 = 51 * 1024 * 1024;

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  url = catalog.url;
  owner = await identity.registerUser({ orgName: "Artifacts Org" });
  client = new CatalogClient({ baseUrl: url, token: owner.token });
  const created = await call(url, "/api/resources", { token: owner.token, json: { type: "executor", name: "bundle", body: { runtime: "javascript", artifact: "main.js" } } });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
});

async function rowCount(): Promise<number> {
  return (await catalog.deps.database.db.select().from(artifacts)).length;
}

/** Where the store stands: rows, blobs and temp files. */
async function storeState() {
  return { rows: await rowCount(), blobs: await catalog.deps.blobs.blobDigests(), temp: await catalog.deps.blobs.tempFiles() };
}

/** Waits until the catalog has cleaned up after an aborted upload (the server learns of it asynchronously). */
async function settled<T>(read: () => Promise<T>, expected: T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Streams `total` bytes to the catalog with chunked transfer encoding (no Content-Length), as a
 * client with an unknown size would; stops writing when an answer arrives, or after `abortAfter`
 * bytes by destroying the connection.
 */
function streamUpload(path: string, total: number, options: { abortAfter?: number; contentType?: string } = {}): Promise<{ status: number; body: any } | "aborted"> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = request(target, { method: "PUT", headers: { authorization: `Bearer ${owner.token}`, "content-type": options.contentType ?? "application/octet-stream" } });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      let text = "";
      res.on("data", (d) => (text += String(d)));
      res.on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
    });
    req.on("error", (error) => (options.abortAfter !== undefined ? resolve("aborted") : answered ? undefined : reject(error)));
    const chunk = randomBytes(256 * 1024);
    let sent = 0;
    const pump = () => {
      while (!answered && sent < total) {
        if (options.abortAfter !== undefined && sent >= options.abortAfter) {
          req.destroy();
          setTimeout(() => resolve("aborted"), 50);
          return;
        }
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("PUT /api/resources/:ref/draft/artifacts/:name (raw body)", () => {
  it("stores the bytes under their SHA-256 and serves them back with the digest", async () => {
    const code = "export default (value) => value * 2;\n";
    const res = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/main.js?contentType=application/javascript`, {
      method: "PUT",
      token: owner.token,
      headers: { "content-type": "application/octet-stream" },
      body: code,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "main.js", version: 0, contentType: "application/javascript", size: Buffer.byteLength(code), digest: sha(code), createdBy: owner.principal.id });
    expect(await catalog.deps.blobs.blobDigests()).toEqual([sha(code)]);
    const download = await fetch(`${url}/api/resources/${ref(KEY)}/draft/artifacts/main.js`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get("x-artifact-digest")).toBe(sha(code));
    expect(download.headers.get("repr-digest")).toBe(`sha-256=:${createHash("sha256").update(code).digest("base64")}:`);
    expect(download.headers.get("content-type")).toBe("application/javascript");
    expect(await download.text()).toBe(code);
  });

  it("takes the declared type from Content-Type as well, and checks it against the bytes (415, nothing stored)", async () => {
    const gz = gzipSync(Buffer.from("hello"));
    const ok = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/data.gz`, { method: "PUT", token: owner.token, headers: { "content-type": "application/gzip" }, body: gz });
    expect(ok.status).toBe(201);
    const before = await storeState();
    const liar = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/picture.png`, { method: "PUT", token: owner.token, headers: { "content-type": "image/png" }, body: "not a png at all" });
    expect(liar.status).toBe(415);
    expect(liar.body.error.message).toMatch(/signature/);
    const binaryAsText = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/notes.txt`, { method: "PUT", token: owner.token, headers: { "content-type": "text/plain" }, body: gz });
    expect(binaryAsText.status).toBe(415);
    expect(binaryAsText.body.error.message).toMatch(/application\/gzip/);
    const badUtf8 = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/notes.txt?contentType=text/plain`, { method: "PUT", token: owner.token, headers: { "content-type": "application/octet-stream" }, body: Buffer.from([0x68, 0xff, 0xfe, 0x69]) });
    expect(badUtf8.status).toBe(415);
    const notAllowed = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/setup.exe?contentType=application/x-msdownload`, { method: "PUT", token: owner.token, headers: { "content-type": "application/octet-stream" }, body: "MZ" });
    expect(notAllowed.status).toBe(415);
    const json = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/config.json`, { method: "PUT", token: owner.token, json: { a: 1 } });
    expect(json.status).toBe(415);
    expect(json.body.error.message).toMatch(/octet-stream/);
    expect(await storeState()).toEqual(before);
  });
});

describe("POST /api/resources/:ref/draft/artifacts (multipart)", () => {
  it("stores the single file part under the name field", async () => {
    const form = new FormData();
    form.append("name", "readme.md");
    form.append("file", new Blob(["# Bundle\n"], { type: "text/markdown" }), "ignored.md");
    const res = await fetch(`${url}/api/resources/${ref(KEY)}/draft/artifacts`, { method: "POST", headers: { authorization: `Bearer ${owner.token}` }, body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "readme.md", contentType: "text/markdown", size: 9, digest: sha("# Bundle\n") });
  });

  it("refuses two file parts and no file part, storing nothing", async () => {
    const before = await storeState();
    const two = new FormData();
    two.append("a", new Blob(["one"], { type: "text/plain" }), "a.txt");
    two.append("b", new Blob(["two"], { type: "text/plain" }), "b.txt");
    const res = await fetch(`${url}/api/resources/${ref(KEY)}/draft/artifacts`, { method: "POST", headers: { authorization: `Bearer ${owner.token}` }, body: two });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.details.issues[0].path).toBe("body.file");
    const none = new FormData();
    none.append("name", "x.txt");
    expect((await fetch(`${url}/api/resources/${ref(KEY)}/draft/artifacts`, { method: "POST", headers: { authorization: `Bearer ${owner.token}` }, body: none })).status).toBe(400);
    const badName = new FormData();
    badName.append("name", "../etc/passwd");
    badName.append("file", new Blob(["x"], { type: "text/plain" }), "x.txt");
    const bad = await fetch(`${url}/api/resources/${ref(KEY)}/draft/artifacts`, { method: "POST", headers: { authorization: `Bearer ${owner.token}` }, body: badName });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.details.issues[0].path).toBe("body.name");
    expect(await storeState()).toEqual(before);
  });
});

describe("artifact size limit (50 MB)", () => {
  it("answers 413 to a 51 MB upload with Content-Length, leaving no file and no row", async () => {
    const before = await storeState();
    const res = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/big.bin`, { method: "PUT", token: owner.token, headers: { "content-type": "application/octet-stream" }, body: Buffer.alloc(MB51, 7) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect(await storeState()).toEqual(before);
  });

  it("answers 413 to a 51 MB chunked upload once the limit is crossed, leaving no file and no row", async () => {
    const before = await storeState();
    const res = await streamUpload(`/api/resources/${ref(KEY)}/draft/artifacts/big.bin`, MB51);
    expect(res).toMatchObject({ status: 413, body: { error: { code: "payload_too_large" } } });
    expect(await settled(storeState, before)).toEqual(before);
  });

  it("answers 413 to a 51 MB multipart upload", async () => {
    const before = await storeState();
    const form = new FormData();
    form.append("file", new Blob([Buffer.alloc(MB51, 1)], { type: "application/octet-stream" }), "big.bin");
    const res = await fetch(`${url}/api/resources/${ref(KEY)}/draft/artifacts`, { method: "POST", headers: { authorization: `Bearer ${owner.token}` }, body: form });
    expect(res.status).toBe(413);
    expect(await storeState()).toEqual(before);
  });

  it("accepts exactly the limit with a smaller configured limit, and refuses one byte more", async () => {
    const small = await startCatalog(identity, { env: { CATALOG_ARTIFACT_MAX_BYTES: "1000" } });
    try {
      await call(small.url, "/api/resources", { token: owner.token, json: { type: "context", name: "small", body: { format: "text", content: "x" } } });
      const put = (n: number) =>
        call(small.url, `/api/resources/${ref("contexts/small")}/draft/artifacts/a.bin`, { method: "PUT", token: owner.token, headers: { "content-type": "application/octet-stream" }, body: Buffer.alloc(n, 65) });
      expect((await put(1000)).status).toBe(201);
      expect((await put(1001)).status).toBe(413);
      expect(await small.deps.blobs.tempFiles()).toEqual([]);
    } finally {
      await small.close();
    }
  });
});

describe("an interrupted upload", () => {
  it("leaves no temp file, no blob and no row", async () => {
    const before = await storeState();
    const res = await streamUpload(`/api/resources/${ref(KEY)}/draft/artifacts/partial.bin`, 8 * 1024 * 1024, { abortAfter: 2 * 1024 * 1024 });
    expect(res).toBe("aborted");
    expect(await settled(storeState, before)).toEqual(before);
  });
});

describe("published artifacts", () => {
  it("freeze with the version: listed in its content, served from it, never replaced (409)", async () => {
    const published = await call(url, `/api/resources/${ref(KEY)}/publish`, { token: owner.token, json: {} });
    expect(published.status).toBe(201);
    const manifest = published.body.content.artifacts as { name: string; digest: string }[];
    expect(manifest.map((a) => a.name)).toEqual(["data.gz", "main.js", "readme.md"]);
    const listed = await call(url, `/api/resources/${ref(KEY)}/versions/1/artifacts`, { token: owner.token });
    expect(listed.body.items.map((a: { name: string; version: number }) => [a.name, a.version])).toEqual([
      ["data.gz", 1],
      ["main.js", 1],
      ["readme.md", 1],
    ]);
    const put = await call(url, `/api/resources/${ref(KEY)}/versions/1/artifacts/main.js`, { method: "PUT", token: owner.token, headers: { "content-type": "application/octet-stream" }, body: "changed" });
    expect(put.status).toBe(409);
    expect((await call(url, `/api/resources/${ref(KEY)}/versions/1/artifacts/main.js`, { method: "DELETE", token: owner.token })).status).toBe(409);

    // Replacing and deleting the draft's copies leaves version 1 (and the blobs it uses) alone.
    const replaced = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/main.js?contentType=application/javascript`, { method: "PUT", token: owner.token, headers: { "content-type": "application/octet-stream" }, body: "export default 1;" });
    expect(replaced.status).toBe(201);
    expect((await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/readme.md`, { method: "DELETE", token: owner.token })).status).toBe(204);
    const v1 = await client.downloadArtifactBytes(KEY, 1, "main.js");
    expect(v1.bytes.toString()).toBe("export default (value) => value * 2;\n");
    expect((await client.downloadArtifactBytes(KEY, 1, "readme.md")).bytes.toString()).toBe("# Bundle\n");
    expect((await client.downloadArtifactBytes(KEY, "draft", "main.js")).bytes.toString()).toBe("export default 1;");
    expect((await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/readme.md`, { token: owner.token })).status).toBe(404);
  });

  it("deletes a blob once no row references it", async () => {
    const res = await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/temp.txt`, { method: "PUT", token: owner.token, headers: { "content-type": "text/plain" }, body: "only in the draft" });
    expect(await catalog.deps.blobs.has(res.body.digest)).toBe(true);
    await call(url, `/api/resources/${ref(KEY)}/draft/artifacts/temp.txt`, { method: "DELETE", token: owner.token });
    expect(await catalog.deps.blobs.has(res.body.digest)).toBe(false);
    expect(await catalog.deps.blobs.has(sha("# Bundle\n"))).toBe(true);
  });
});

describe("a corrupted stored artifact", () => {
  it("fails the download loudly (500, no bytes) instead of serving bad bytes", async () => {
    const digest = sha("export default (value) => value * 2;\n");
    const path = catalog.deps.blobs.pathOf(digest);
    await chmod(path, 0o644);
    await writeFile(path, "export default (value) => value * 3;\n");
    const res = await call(url, `/api/resources/${ref(KEY)}/versions/1/artifacts/main.js`, { token: owner.token });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(res.body.error.message).toMatch(/failed its integrity check/);
    expect(JSON.stringify(res.body)).not.toContain("value * 3");
    await expect(client.downloadArtifactBytes(KEY, 1, "main.js")).rejects.toMatchObject({ code: "internal" });
    // Same size, different bytes; a truncated file fails too.
    await writeFile(path, "short");
    expect((await call(url, `/api/resources/${ref(KEY)}/versions/1/artifacts/main.js`, { token: owner.token })).status).toBe(500);
  });
});

describe("draft artifacts are rows of the draft only", () => {
  it("keeps the row counts per version consistent", async () => {
    const id = (await call(url, `/api/resources/${ref(KEY)}`, { token: owner.token })).body.id;
    const rows = await catalog.deps.database.db.select().from(artifacts).where(eq(artifacts.resourceId, id));
    expect(rows.filter((r) => r.version === 1).map((r) => r.name).sort()).toEqual(["data.gz", "main.js", "readme.md"]);
    expect(rows.filter((r) => r.version === 0).map((r) => r.name).sort()).toEqual(["data.gz", "main.js"]);
  });
});
