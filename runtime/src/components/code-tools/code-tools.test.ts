import { describe, expect, it } from "vitest";
import { run } from "../../../test/fixtures.js";
import { GraphValidationError } from "../../errors.js";
import { validateGraph } from "../../graphs/graph.validate.js";
import { createBuiltinRegistry } from "../builtins/index.js";
import type { ComponentRegistry } from "../manifest.js";
import { codeToolComponents, fillTemplate, hasPlaceholder, TemplateError } from "./code-tools.js";

function registryWith(access: Parameters<typeof codeToolComponents>[0]): ComponentRegistry {
  const registry = createBuiltinRegistry();
  for (const component of codeToolComponents(access)) registry.register(component);
  return registry;
}
// Nothing listens on port 9 (discard): calls fail at once with a connection error.
const unreachable = registryWith({ baseUrl: "http://127.0.0.1:9", tokens: { getToken: async () => "token" } });

/** The issues of a one-node graph around `component` with `config` (empty: valid). */
function issuesOf(component: string, config: Record<string, unknown>): { path: string; message: string }[] {
  try {
    validateGraph({ nodes: [{ id: "tool", component, config }] }, unreachable);
    return [];
  } catch (error) {
    if (error instanceof GraphValidationError) return error.issues;
    throw error;
  }
}

describe("code-tool components: manifests and config validation", () => {
  it("registers code-file, code-search and code-bash beside the built-ins", () => {
    expect(unreachable.manifests().map((m) => m.id).filter((id) => id.startsWith("code-"))).toEqual(["code-file", "code-search", "code-bash"]);
  });

  it("accepts valid configs: a file tool with an args template, a fixed workspace, defaults", () => {
    expect(issuesOf("code-file", { tool: "file.write", args: { path: "notes/{{value.name}}.txt", content: "{{value.text}}" } })).toEqual([]);
    expect(issuesOf("code-file", { tool: "file.read", workspace: "ws_0123456789abcdef01234567", args: { path: "a.txt", maxBytes: 100 } })).toEqual([]);
    expect(issuesOf("code-file", { tool: "file.list" })).toEqual([]);
    expect(issuesOf("code-search", { args: { pattern: "{{value}}", ignoreCase: true } })).toEqual([]);
    expect(issuesOf("code-bash", { args: { command: "wc -c", stdin: "{{value}}", timeoutMs: "{{value.ms}}" }, timeoutMs: 5000 })).toEqual([]);
  });

  it("names the failing config path: missing or unknown tool, bad workspace, wrong arg type, unknown key", () => {
    expect(issuesOf("code-file", {})).toEqual([expect.objectContaining({ path: expect.stringMatching(/^nodes\.0\.config/), message: expect.stringMatching(/tool/) })]);
    expect(issuesOf("code-file", { tool: "bash", args: { command: "ls" } }).map((i) => i.path)).toContain("nodes.0.config.tool");
    expect(issuesOf("code-file", { tool: "file.list", workspace: "mine" }).map((i) => i.path)).toContain("nodes.0.config.workspace");
    expect(issuesOf("code-file", { tool: "file.list", args: { recursive: 3 } }).map((i) => i.path)).toContain("nodes.0.config.args.recursive");
    expect(issuesOf("code-search", { args: { pattern: "x" }, retries: 2 }).length).toBeGreaterThan(0);
    expect(issuesOf("code-bash", { timeoutMs: 10 }).map((i) => i.path)).toContain("nodes.0.config.timeoutMs");
  });

  it("refuses args the tool needs but lacks, and args of another tool", () => {
    expect(issuesOf("code-file", { tool: "file.write", args: { path: "a.txt" } })).toEqual([{ path: "nodes.0.config.args.content", message: 'file.write needs "content"' }]);
    expect(issuesOf("code-file", { tool: "file.read", args: { path: "a.txt", content: "x" } })).toEqual([
      { path: "nodes.0.config.args.content", message: 'file.read takes no "content"; it takes path, encoding, maxBytes' },
    ]);
    expect(issuesOf("code-bash", { args: { stdin: "x" } })).toEqual([{ path: "nodes.0.config.args.command", message: 'bash needs "command"' }]);
    expect(issuesOf("code-search", { args: { path: "src" } })).toEqual([{ path: "nodes.0.config.args.pattern", message: 'file.search needs "pattern"' }]);
  });
});

describe("fixed args are checked against assistants' own schema (@symbia/assistants-service/api)", () => {
  it("refuses a bad value in args without placeholders, and leaves templated args to run time", () => {
    expect(issuesOf("code-file", { tool: "file.read", args: { path: "a.txt", encoding: "latin1" } }).map((i) => i.path)).toEqual(["nodes.0.config.args.encoding"]);
    expect(issuesOf("code-file", { tool: "file.list", args: { maxEntries: 0 } }).map((i) => i.path)).toEqual(["nodes.0.config.args.maxEntries"]);
    expect(issuesOf("code-file", { tool: "file.read", args: { path: "{{value}}", encoding: "latin1" } })).toEqual([]);
  });
});

describe("args templates", () => {
  it("fills {{value}} and {{value.path}}: whole placeholders keep the type, embedded ones are text", () => {
    const value = { name: "report", n: 3, tags: ["a"], nested: { deep: true } };
    expect(fillTemplate({ path: "out/{{value.name}}.txt", maxBytes: "{{value.n}}", content: "tags {{ value.tags }} n={{value.n}}", flag: "{{value.nested.deep}}", keep: 5 }, value)).toEqual({
      path: "out/report.txt",
      maxBytes: 3,
      content: 'tags ["a"] n=3',
      flag: true,
      keep: 5,
    });
    expect(fillTemplate({ content: "{{value}}" }, "hello")).toEqual({ content: "hello" });
    expect([hasPlaceholder({ a: ["{{value}}"] }), hasPlaceholder({ a: "plain {value}" })]).toEqual([true, false]);
  });

  it("refuses a missing field and prototype names instead of writing undefined", () => {
    expect(() => fillTemplate({ path: "{{value.missing}}" }, {})).toThrow(TemplateError);
    expect(() => fillTemplate({ path: "{{value.constructor}}" }, {})).toThrow(/not a field name/);
    expect(() => fillTemplate({ path: "{{value.a.b}}" }, { a: "text" })).toThrow(/value.a.b is missing/);
  });
});

describe("code-tool components without a reachable assistants service", () => {
  it("fail the node with unavailable when runtime has no service login", async () => {
    const registry = registryWith({ baseUrl: "http://127.0.0.1:9", tokens: null });
    const { state, execution } = await run({ nodes: [{ id: "in", component: "code-file", config: { tool: "file.list" } }] }, [{}], { node: "in" }, { registry });
    expect(state).toBe("failed");
    expect(execution.error).toMatchObject({ node: "in", code: "unavailable", message: expect.stringMatching(/RUNTIME_SERVICE_SECRET/) });
  });

  it("fail the node with unavailable, naming the URL, when assistants is down", async () => {
    const { state, execution } = await run({ nodes: [{ id: "in", component: "code-bash", config: { args: { command: "echo hi" } } }] }, ["x"], { node: "in" }, { registry: unreachable });
    expect(state).toBe("failed");
    expect(execution.error).toMatchObject({ node: "in", code: "unavailable", message: expect.stringMatching(/assistants is unreachable at http:\/\/127\.0\.0\.1:9/) });
  });

  it("fail the node with template_error when the input lacks a templated field (before any call)", async () => {
    const { state, execution } = await run({ nodes: [{ id: "in", component: "code-file", config: { tool: "file.read", workspace: "ws_0123456789abcdef01234567", args: { path: "{{value.file}}" } } }] }, [{ other: 1 }], { node: "in" }, { registry: unreachable });
    expect(state).toBe("failed");
    expect(execution.error).toMatchObject({ node: "in", message: "value.file is missing from the input value" });
  });
});
