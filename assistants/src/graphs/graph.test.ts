import { describe, expect, it } from "vitest";
import { validateGraph, type PromptGraphInput } from "./graph.js";

const llm = (id: string, prompt = "{{input.text}}") => ({ id, type: "llm" as const, config: { prompt, respond: false } });
const msg = (id: string, content: string) => ({ id, type: "message" as const, config: { content } });

function issues(graph: unknown) {
  const result = validateGraph(graph);
  if (result.ok) throw new Error("expected issues");
  return result.issues;
}

describe("validateGraph (publish time)", () => {
  it("accepts a DAG and gives a topological order", () => {
    const graph: PromptGraphInput = {
      nodes: [msg("reply", "{{nodes.draft.content}}"), llm("draft"), { id: "route", type: "router", config: { routes: [{ port: "billing", when: { field: "input.text", operator: "contains", value: "refund" } }] } }],
      edges: [{ from: "route", fromPort: "billing", to: "draft" }, { from: "draft", to: "reply" }],
    };
    const result = validateGraph(graph);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.value.order).toEqual(["route", "draft", "reply"]);
    expect(result.value.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names an unknown node type and invalid node config", () => {
    expect(issues({ nodes: [{ id: "a", type: "python", config: {} }] })).toEqual([expect.objectContaining({ path: "nodes[0].type", code: "unknown_node_type" })]);
    expect(issues({ nodes: [{ id: "a", type: "llm", config: { prompt: "x", temperature: 1 } }] })).toEqual([expect.objectContaining({ path: "nodes[0].config", code: "invalid_params" })]);
    expect(issues({ nodes: [{ id: "a", type: "message", config: {} }] })).toEqual([expect.objectContaining({ path: "nodes[0].config.content", code: "invalid_params" })]);
    expect(issues({ nodes: [{ id: "a", type: "condition", config: { if: { field: "input.x", operator: "near" } } }] })).toEqual([expect.objectContaining({ path: "nodes[0].config.if.operator", code: "unknown_operator" })]);
  });

  it("names duplicate ids, unknown nodes and ports, duplicate edges", () => {
    expect(issues({ nodes: [llm("a"), llm("a")] })[0]).toMatchObject({ path: "nodes[1].id", code: "duplicate_id" });
    const found = issues({
      nodes: [llm("a"), llm("b"), { id: "c", type: "condition", config: { if: { field: "input.ok", operator: "eq", value: true } } }],
      edges: [{ from: "a", to: "ghost" }, { from: "a", fromPort: "true", to: "b" }, { from: "c", fromPort: "yes", to: "b" }, { from: "c", fromPort: "true", to: "b", toPort: "prompt" }, { from: "a", to: "b" }, { from: "a", to: "b" }],
    });
    expect(found).toEqual([
      expect.objectContaining({ path: "edges[0].to", code: "unknown_node" }),
      expect.objectContaining({ path: "edges[1].fromPort", code: "unknown_port" }),
      expect.objectContaining({ path: "edges[2].fromPort", code: "unknown_port", message: expect.stringContaining("it has true, false") }),
      expect.objectContaining({ path: "edges[3].toPort", code: "unknown_port" }),
      expect.objectContaining({ path: "edges[5]", code: "duplicate_edge" }),
    ]);
  });

  it("rejects cycles and names them", () => {
    expect(issues({ nodes: [llm("a"), llm("b"), llm("c")], edges: [{ from: "a", to: "b" }, { from: "b", to: "c" }, { from: "c", to: "b" }] })).toEqual([
      { path: "edges", code: "cycle", message: "the graph has a cycle: b → c → b" },
    ]);
    expect(issues({ nodes: [llm("a")], edges: [{ from: "a", to: "a" }] })[0]!.message).toBe("the graph has a cycle: a → a");
  });

  it("checks joins and router ports", () => {
    expect(issues({ nodes: [llm("a"), { id: "j", type: "join" }], edges: [{ from: "a", to: "j" }] })[0]).toMatchObject({ path: "nodes[1]", code: "join_inputs" });
    const router = { id: "r", type: "router", config: { routes: [{ port: "x", when: { field: "input", operator: "exists" } }, { port: "y", when: { field: "input", operator: "exists" } }] } };
    expect(issues({ nodes: [router, { id: "j", type: "join" }], edges: [{ from: "r", fromPort: "x", to: "j" }, { from: "r", fromPort: "y", to: "j" }] })[0]!.message).toContain("at most one edge from each node");
    expect(issues({ nodes: [{ id: "r", type: "router", config: { routes: [{ port: "default", when: { field: "input", operator: "exists" } }] } }] })[0]).toMatchObject({ code: "duplicate_port" });
  });

  it("checks templates and conditions: known roots, nodes.<id> only for ancestors, no saveAs", () => {
    const found = issues({
      nodes: [llm("a", "{{nodes.b.content}}"), llm("b", "{{nodes.a.content}} {{input}}"), msg("c", "{{vars.x}}"), { id: "d", type: "condition", config: { if: { field: "nodes.c.messageId", operator: "exists" } } }, { ...llm("e"), config: { prompt: "x", saveAs: "y" } }],
      edges: [{ from: "a", to: "b" }],
    });
    expect(found).toEqual([
      expect.objectContaining({ path: "nodes[4].config.saveAs", code: "invalid_params" }),
    ]);
    const semantic = issues({
      nodes: [llm("a", "{{nodes.b.content}}"), llm("b", "{{nodes.a.content}} {{input}}"), msg("c", "{{vars.x}}"), { id: "d", type: "condition", config: { if: { field: "nodes.c.messageId", operator: "exists" } } }],
      edges: [{ from: "a", to: "b" }],
    });
    expect(semantic).toEqual([
      expect.objectContaining({ path: "nodes[0].config.prompt", code: "unknown_field" }),
      expect.objectContaining({ path: "nodes[2].config.content", code: "unknown_field_root" }),
      expect.objectContaining({ path: "nodes[3].config.if.field", code: "unknown_field" }),
    ]);
  });
});
