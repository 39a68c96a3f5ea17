import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeTestModel } from "../test-model/test-model.js";
import { capabilitiesOf, estimateMemoryBytes, ModelCatalog } from "./catalog.service.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "symbia-catalog-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("ModelCatalog", () => {
  it("lists GGUF files with their header facts; skips other files, shards and bad names", async () => {
    await writeTestModel(join(dir, "tiny.gguf"));
    await writeFile(join(dir, "broken.gguf"), "this is not a GGUF file");
    await writeFile(join(dir, "notes.txt"), "x");
    await writeFile(join(dir, "big-00002-of-00003.gguf"), "x");
    await writeFile(join(dir, "-bad name.gguf"), "x");
    const models = await new ModelCatalog(dir).list();
    expect(models.map((m) => m.id)).toEqual(["broken", "tiny"]);
    const [broken, tiny] = models;
    expect(broken).toMatchObject({ header: null, capabilities: { chat: false, embeddings: false } });
    expect(broken!.error).toMatch(/not a readable GGUF file/);
    expect(tiny).toMatchObject({
      file: "tiny.gguf",
      sizeBytes: 240_544,
      error: null,
      header: { architecture: "llama", name: "symbia-tiny-test", contextLength: 4096, embeddingLength: 64, blockCount: 1, headCount: 2, headCountKv: 2, quantization: "F32", hasChatTemplate: true, poolingType: 1 },
      capabilities: { chat: true, embeddings: true },
    });
    expect(tiny!.header!.parameterCount).toBeGreaterThan(30_000);
  });

  it("computes the SHA-256 of a file and recomputes it when the file changes", async () => {
    const catalog = new ModelCatalog(dir);
    const first = await writeTestModel(join(dir, "m.gguf"));
    const model = (await catalog.get("m"))!;
    expect(await catalog.sha256(model)).toBe(first.sha256);
    const second = await writeTestModel(join(dir, "m.gguf"), { sentence: "Another reply." });
    await utimes(second.path, new Date(), new Date(Date.now() + 5_000));
    const changed = (await catalog.get("m"))!;
    expect(await catalog.sha256(changed)).toBe(second.sha256);
    expect(second.sha256).not.toBe(first.sha256);
    expect(second.sha256).toBe(createHash("sha256").update(await readFile(second.path)).digest("hex"));
  });

  it("answers null for an unknown or invalid id, and lists nothing for a missing directory", async () => {
    const catalog = new ModelCatalog(dir);
    expect(await catalog.get("absent")).toBeNull();
    expect(await catalog.get("../etc/passwd")).toBeNull();
    expect(await new ModelCatalog(join(dir, "missing")).list()).toEqual([]);
  });
});

describe("capabilitiesOf", () => {
  const header = { architecture: "llama", name: null, contextLength: 1, embeddingLength: 1, blockCount: 1, headCount: 1, headCountKv: 1, quantization: null, parameterCount: 1, hasChatTemplate: true, poolingType: null };
  it("lets decoders chat, encoders embed, and decoders with a pooling type embed too", () => {
    expect(capabilitiesOf(header)).toEqual({ chat: true, embeddings: false });
    expect(capabilitiesOf({ ...header, poolingType: 1 })).toEqual({ chat: true, embeddings: true });
    expect(capabilitiesOf({ ...header, architecture: "bert" })).toEqual({ chat: false, embeddings: true });
    expect(capabilitiesOf(null)).toEqual({ chat: false, embeddings: false });
  });
});

describe("estimateMemoryBytes", () => {
  it("adds the file, an F16 KV cache per slot and a fixed worker overhead", () => {
    const header = { architecture: "llama", name: null, contextLength: 4096, embeddingLength: 4096, blockCount: 32, headCount: 32, headCountKv: 8, quantization: "Q4_K_M", parameterCount: 8e9, hasChatTemplate: true, poolingType: null };
    const overhead = 128 * 1024 * 1024;
    // 2 (K and V) × 32 layers × 4096 cells × 2 slots × (4096 × 8 / 32 = 1024) × 2 bytes = 1 GiB
    expect(estimateMemoryBytes({ sizeBytes: 1000, header }, 4096, 2)).toBe(1000 + 1024 ** 3 + overhead);
    expect(estimateMemoryBytes({ sizeBytes: 1000, header: null }, 4096, 2)).toBe(1000 + overhead);
  });
});
