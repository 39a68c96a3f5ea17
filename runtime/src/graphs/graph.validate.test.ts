import { describe, expect, it } from "vitest";
import { GraphValidationError, type GraphIssue } from "../errors.js";
import { registry } from "../../test/fixtures.js";
import { validateGraph } from "./graph.validate.js";

function issuesOf(graph: unknown): GraphIssue[] {
  try {
    validateGraph(graph, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphValidationError);
    expect((error as GraphValidationError).code).toBe("validation_failed");
    return (error as GraphValidationError).issues;
  }
  throw new Error("graph was accepted");
}

const typed = (id: string, type: string) => ({ id, component: "passthrough", config: { schema: { type } } });

describe("validateGraph", () => {
  it("accepts a pipeline and computes order, routes, open inputs and outputs", () => {
    const graph = validateGraph(
      {
        nodes: [
          { id: "sink", component: "accumulator", config: { window: "count", count: 2 } },
          { id: "double", component: "map", config: { expression: "value * 2" } },
          { id: "in", component: "passthrough" },
        ],
        edges: [
          { from: "in.out", to: "double.in" },
          { from: "double.out", to: "sink.in" },
        ],
      },
      registry,
    );
    expect(graph.order).toEqual(["in", "double", "sink"]);
    expect(graph.routes.get("in.out")).toEqual([{ node: "double", port: "in" }]);
    expect(graph.openInputs).toEqual([{ node: "in", port: "in" }]);
    expect(graph.openOutputs).toEqual([{ node: "sink", port: "out" }]);
  });

  it("lists error ports as outputs only for nodes with onError: port", () => {
    const graph = validateGraph({ nodes: [{ id: "m", component: "map", config: { expression: "value" }, onError: "port" }] }, registry);
    expect(graph.openOutputs).toEqual([
      { node: "m", port: "out" },
      { node: "m", port: "error" },
    ]);
  });

  it("rejects a cycle and names it node by node", () => {
    const issues = issuesOf({
      nodes: [{ id: "in", component: "passthrough" }, { id: "a", component: "merge" }, { id: "b", component: "passthrough" }, { id: "c", component: "passthrough" }],
      edges: [
        { from: "in.out", to: "a.a" },
        { from: "a.out", to: "b.in" },
        { from: "b.out", to: "c.in" },
        { from: "c.out", to: "a.b" },
      ],
    });
    expect(issues).toEqual([{ path: "edges", message: "cycle: a → b → c → a", cycle: ["a", "b", "c", "a"] }]);
  });

  it("rejects a type mismatch on an edge, naming both ports and the reason", () => {
    const issues = issuesOf({ nodes: [typed("in", "string"), typed("next", "number")], edges: [{ from: "in.out", to: "next.in" }] });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("edges.0");
    expect(issues[0]?.message).toMatch(/in\.out → next\.in: port types are incompatible: the output may be string but the input requires number/);
  });

  it("rejects an untyped output feeding a typed input", () => {
    const issues = issuesOf({
      nodes: [{ id: "in", component: "map", config: { expression: "value" } }, typed("next", "number")],
      edges: [{ from: "in.out", to: "next.in" }],
    });
    expect(issues[0]?.message).toMatch(/untyped|any value/);
  });

  it("accepts compatible typed ports (integer into number)", () => {
    expect(() => validateGraph({ nodes: [typed("in", "integer"), typed("next", "number")], edges: [{ from: "in.out", to: "next.in" }] }, registry)).not.toThrow();
  });

  it("reports unknown nodes, ports, components and versions with their paths", () => {
    const issues = issuesOf({
      nodes: [
        { id: "in", component: "passthrough" },
        { id: "x", component: "no-such-component" },
        { id: "y", component: "map", version: "9.9.9", config: { expression: "value" } },
      ],
      edges: [
        { from: "in.nope", to: "ghost.in" },
        { from: "in.out", to: "in.wrong" },
      ],
    });
    expect(issues).toEqual([
      { path: "nodes.1.component", message: 'unknown component "no-such-component"' },
      { path: "nodes.2.version", message: 'component "map" has no version 9.9.9; known: 1.0.0' },
      { path: "edges.0.from", message: 'node "in" (passthrough) has no output port "nope"; outputs: out, error' },
      { path: "edges.0.to", message: 'unknown node "ghost"' },
      { path: "edges.1.to", message: 'node "in" (passthrough) has no input port "wrong"; inputs: in' },
    ]);
  });

  it("checks each node's config against its component's config schema", () => {
    const issues = issuesOf({
      nodes: [
        { id: "m", component: "map", config: {} },
        { id: "acc", component: "accumulator", config: { window: "count", count: 0 } },
        { id: "acc2", component: "accumulator", config: { window: "time" } },
        { id: "p", component: "passthrough", config: { schema: { type: "strin" } } },
        { id: "mg", component: "merge", config: { inputs: ["a", "error"] } },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual(["nodes.0.config", "nodes.1.config.count", "nodes.2.config", "nodes.3.config", "nodes.4.config.inputs.1"]);
    expect(issues[0]?.message).toMatch(/expression/);
    expect(issues[2]?.message).toMatch(/ms/);
    expect(issues[3]?.message).toMatch(/port "in" has an invalid type/);
    expect(issues[4]?.message).toMatch(/reserved/);
  });

  it("reports shape errors with zod paths, duplicate ids and duplicate edges", () => {
    expect(issuesOf({ nodes: [] })[0]?.path).toBe("nodes");
    expect(issuesOf({ nodes: [{ id: "bad id", component: "map" }] })[0]?.path).toBe("nodes.0.id");
    expect(issuesOf({ nodes: [{ id: "a", component: "passthrough" }], edges: [{ from: "a", to: "a.in" }] })[0]?.path).toBe("edges.0.from");
    const dup = issuesOf({
      nodes: [{ id: "a", component: "passthrough" }, { id: "a", component: "passthrough" }, { id: "b", component: "passthrough" }],
      edges: [
        { from: "a.out", to: "b.in" },
        { from: "a.out", to: "b.in" },
      ],
    });
    expect(dup).toEqual([
      { path: "nodes.1.id", message: 'duplicate node id "a"' },
      { path: "edges.1", message: "duplicate edge a.out → b.in" },
    ]);
  });

  it("lets error ports feed other nodes", () => {
    const graph = validateGraph(
      {
        nodes: [
          { id: "in", component: "map", config: { expression: "value.x" }, onError: "port" },
          { id: "errors", component: "passthrough" },
        ],
        edges: [{ from: "in.error", to: "errors.in" }],
      },
      registry,
    );
    expect(graph.openOutputs).toEqual([
      { node: "in", port: "out" },
      { node: "errors", port: "out" },
    ]);
  });
});
