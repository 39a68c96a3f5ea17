import { afterEach, describe, expect, it } from "vitest";
import { createExpressionSandbox, SandboxError, type ExpressionSandbox } from "./sandbox.js";

const open: ExpressionSandbox[] = [];
async function sandbox(expression: string, limits?: Parameters<typeof createExpressionSandbox>[1]) {
  const created = await createExpressionSandbox(expression, limits);
  open.push(created);
  return created;
}
async function failure(promise: Promise<unknown>): Promise<SandboxError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SandboxError);
  return error as SandboxError;
}

afterEach(() => {
  for (const s of open.splice(0)) s.dispose();
});

describe("expression sandbox", () => {
  it("evaluates an expression over value and returns JSON", async () => {
    const s = await sandbox("({ doubled: value.n * 2, tags: value.tags.map((t) => t.toUpperCase()) })");
    expect(await s.evaluate({ n: 21, tags: ["a", "b"] })).toEqual({ doubled: 42, tags: ["A", "B"] });
    expect(await s.evaluate({ n: 1, tags: [] })).toEqual({ doubled: 2, tags: [] });
  });

  it("returns undefined when the expression yields undefined", async () => {
    const s = await sandbox("value.missing");
    expect(await s.evaluate({})).toBeUndefined();
  });

  it("rejects an expression that does not compile", async () => {
    const error = await failure(createExpressionSandbox("value +* 2"));
    expect(error.kind).toBe("syntax");
  });

  it("turns a thrown exception into an error and keeps working", async () => {
    const s = await sandbox("value.a.b");
    const error = await failure(s.evaluate({}));
    expect(error.kind).toBe("error");
    expect(error.message).toMatch(/TypeError/);
    expect(await s.evaluate({ a: { b: 3 } })).toBe(3);
  });

  it("rejects a result that is not JSON", async () => {
    const s = await sandbox("BigInt(value)");
    const error = await failure(s.evaluate(1));
    expect(error.kind).toBe("error");
  });
});

describe("sandbox escapes fail", () => {
  it("has no process", async () => {
    expect(await (await sandbox("typeof process")).evaluate(null)).toBe("undefined");
    const error = await failure((await sandbox("process.exit(1)")).evaluate(null));
    expect(error.message).toMatch(/ReferenceError: '?process'? is not defined/);
  });

  it("has no require, module or import", async () => {
    expect(await (await sandbox("[typeof require, typeof module, typeof exports, typeof __dirname]")).evaluate(null)).toEqual([
      "undefined",
      "undefined",
      "undefined",
      "undefined",
    ]);
    const error = await failure((await sandbox('require("fs").readFileSync("/etc/passwd", "utf8")')).evaluate(null));
    expect(error.message).toMatch(/ReferenceError: '?require'? is not defined/);
    // A dynamic import has no module loader to reach: it never yields the host's fs module.
    const imported = await (await sandbox('typeof import("fs")')).evaluate(null).catch((e: SandboxError) => e.kind);
    expect(["object", "error"]).toContain(imported);
  });

  it("sees its own globalThis, not the host's", async () => {
    (globalThis as Record<string, unknown>).__hostSecret = "leak-me";
    try {
      const s = await sandbox("[typeof globalThis.__hostSecret, Object.getOwnPropertyNames(globalThis)]");
      const [secret, names] = (await s.evaluate(null)) as [string, string[]];
      expect(secret).toBe("undefined");
      const hostNames = ["process", "require", "module", "Buffer", "fetch", "setTimeout", "setInterval", "console", "global", "queueMicrotask", "__hostSecret"];
      expect(names.filter((name) => hostNames.includes(name))).toEqual([]);
      expect(names).toContain("JSON");
    } finally {
      delete (globalThis as Record<string, unknown>).__hostSecret;
    }
  });

  it("constructor.constructor builds functions inside the sandbox only", async () => {
    const s = await sandbox('(() => {}).constructor.constructor("return typeof process + \\",\\" + typeof globalThis.require")()');
    expect(await s.evaluate(null)).toBe("undefined,undefined");
    const error = await failure((await sandbox('value.constructor.constructor("return process")().env')).evaluate({}));
    expect(error.message).toMatch(/'?process'? is not defined/);
    const viaThis = await failure((await sandbox('this.constructor.constructor("return process")()')).evaluate(null));
    expect(viaThis.kind).toBe("error");
  });

  it("stops an infinite loop at the time limit and recovers", async () => {
    const s = await sandbox("(() => { if (value) { while (true) {} } return 'done'; })()", { timeoutMs: 50, memoryBytes: 8 * 1024 * 1024, stackBytes: 128 * 1024 });
    const error = await failure(s.evaluate(true));
    expect(error.kind).toBe("timeout");
    expect(await s.evaluate(false)).toBe("done");
  });

  it("stops a huge allocation at the memory limit and recovers", async () => {
    const s = await sandbox("value ? new Array(1e8).fill(1).length : 'small'", { timeoutMs: 2_000, memoryBytes: 8 * 1024 * 1024, stackBytes: 128 * 1024 });
    const error = await failure(s.evaluate(true));
    expect(error.kind).toBe("memory");
    const strings = await failure((await sandbox("'x'.repeat(1e9).length", { timeoutMs: 2_000, memoryBytes: 8 * 1024 * 1024, stackBytes: 128 * 1024 })).evaluate(null));
    expect(strings.kind).toBe("memory");
    expect(await s.evaluate(false)).toBe("small");
  });

  it("stops unbounded recursion at the stack limit", async () => {
    const s = await sandbox("(function f(n) { return f(n + 1) + 1; })(0)");
    const error = await failure(s.evaluate(null));
    expect(error.kind).toBe("stack");
  });

  it("forgets what an expression stored on its global after a limit is hit", async () => {
    const s = await sandbox("value === 'loop' ? (() => { while (true) {} })() : (globalThis.count = (globalThis.count || 0) + 1)", {
      timeoutMs: 50,
      memoryBytes: 8 * 1024 * 1024,
      stackBytes: 128 * 1024,
    });
    expect(await s.evaluate("inc")).toBe(1);
    expect(await s.evaluate("inc")).toBe(2);
    await failure(s.evaluate("loop"));
    expect(await s.evaluate("inc")).toBe(1);
  });
});
