import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gguf } from "@huggingface/gguf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildTestModel, DEFAULT_FILE_NAME, DEFAULT_MODEL_NAME, DEFAULT_SENTENCE, ensureTestModel, writeTestModel } from "./test-model.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "symbia-test-model-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("writeTestModel", () => {
  it("writes a reproducible GGUF v3 llama model that @huggingface/gguf parses", async () => {
    const a = await writeTestModel(join(dir, "a.gguf"));
    const b = await writeTestModel(join(dir, "b.gguf"));
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toBe(createHash("sha256").update(await readFile(a.path)).digest("hex"));
    // The exact bytes of the generator this one was adapted from (default options).
    expect(a.sha256).toBe("0a94257f7a7b8db497a7b26582d70553a75ce60d3143efe7c04791323a556c87");
    expect(a).toMatchObject({ bytes: 240_544, sentence: DEFAULT_SENTENCE, replyTokens: 14 });

    const parsed = await gguf(a.path, { allowLocalFile: true });
    const md = parsed.metadata as unknown as Record<string, unknown>;
    expect(md).toMatchObject({ version: 3, "general.architecture": "llama", "general.name": DEFAULT_MODEL_NAME, "llama.context_length": 4096 });
    const tokens = md["tokenizer.ggml.tokens"] as string[];
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens).toEqual(expect.arrayContaining(["<s>", "</s>", "<|im_start|>", "<|im_end|>", "<0x0A>", "Hello", "\u2581comes\u2581from"]));
    expect(String(md["tokenizer.chat_template"])).toContain("<|im_start|>assistant");
    expect(parsed.tensorInfos).toHaveLength(12);
  });

  it("normalizes a custom sentence and merges repeated or text-reachable words into one token", () => {
    const built = buildTestModel({ sentence: "  a   test, a test  " });
    expect(built.sentence).toBe("a test, a test");
    expect(new Set(built.pieces).size).toBe(built.pieces.length);
    expect(built.pieces.join("").replaceAll("\u2581", " ")).toBe("a test, a test");
    expect(built.minLogitMargin).toBeGreaterThan(50);
  });

  it("rejects an empty sentence or one containing the SentencePiece space", () => {
    expect(() => buildTestModel({ sentence: "   " })).toThrow(/must not be empty/);
    expect(() => buildTestModel({ sentence: "a\u2581b" })).toThrow(/U\+2581/);
  });

  it("marks a looping model in its description, with the same vocabulary", async () => {
    const loop = await writeTestModel(join(dir, "loop.gguf"), { loop: true, name: "loop" });
    const md = (await gguf(loop.path, { allowLocalFile: true })).metadata as unknown as Record<string, unknown>;
    expect(md["general.description"]).toMatch(/repeated without end/);
    expect(md["general.name"]).toBe("loop");
  });
});

describe("ensureTestModel", () => {
  it("writes the test model into an empty (or missing) directory", async () => {
    const target = join(dir, "models");
    const result = await ensureTestModel(target);
    expect(result).toEqual({ created: true, path: join(target, DEFAULT_FILE_NAME) });
    expect(await readdir(target)).toEqual([DEFAULT_FILE_NAME]);
    expect(await ensureTestModel(target)).toEqual({ created: false, path: null });
  });

  it("writes nothing when the directory already holds a GGUF", async () => {
    await writeFile(join(dir, "real-model.GGUF"), "not really a model");
    expect(await ensureTestModel(dir)).toEqual({ created: false, path: null });
    expect(await readdir(dir)).toEqual(["real-model.GGUF"]);
  });
});
