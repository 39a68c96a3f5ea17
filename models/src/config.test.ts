import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_MODELS_DIR, loadConfig } from "./config.js";
import { buildDeps } from "./deps.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "symbia-models-config-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config.port).toBe(5008);
    expect(config.models).toMatchObject({ dir: DEFAULT_MODELS_DIR, createTestModel: true, autoload: true, preload: [], slots: 2, queueSize: 8, contextSize: 4096, threads: 1 });
    expect(DEFAULT_MODELS_DIR).toMatch(/models[\\/]data[\\/]models$/);
    expect(config.identity).toEqual({ issuer: "http://127.0.0.1:5001" });
  });

  it("reads MODELS_* variables", () => {
    const config = loadConfig({ MODELS_DIR: dir, MODELS_PORT: "6008", MODELS_PRELOAD: "a, b", MODELS_AUTOLOAD: "false", MODELS_SLOTS: "4", MODELS_QUEUE_SIZE: "0", MODELS_MEMORY_LIMIT_BYTES: "1000000" });
    expect(config.port).toBe(6008);
    expect(config.models).toMatchObject({ dir, preload: ["a", "b"], autoload: false, slots: 4, queueSize: 0, memoryLimitBytes: 1_000_000 });
  });

  it("names the invalid variable", () => {
    expect(() => loadConfig({ MODELS_SLOTS: "0" })).toThrow(/slots/);
    expect(() => loadConfig({ MODELS_AUTOLOAD: "maybe" })).toThrow(/autoload/);
  });
});

describe("buildDeps", () => {
  it("writes the built-in test model into an empty MODELS_DIR (MODELS_CREATE_TEST_MODEL on by default)", async () => {
    const deps = await buildDeps(loadConfig({ MODELS_DIR: join(dir, "models"), LOG_LEVEL: "silent" }));
    expect(await readdir(join(dir, "models"))).toEqual(["symbia-tiny-test.gguf"]);
    expect((await deps.models.list()).map((m) => m.id)).toEqual(["symbia-tiny-test"]);
    expect(deps.closeAuth).toBeTypeOf("function"); // identity's verifier fills the auth slot
    deps.closeAuth?.();
  });

  it("writes nothing when MODELS_CREATE_TEST_MODEL is false", async () => {
    const deps = await buildDeps(loadConfig({ MODELS_DIR: dir, MODELS_CREATE_TEST_MODEL: "false", LOG_LEVEL: "silent" }));
    expect(await readdir(dir)).toEqual([]);
    expect(await deps.models.list()).toEqual([]);
    deps.closeAuth?.();
  });
});
