import { describe, expect, it } from "vitest";
import { topologicalOrder } from "./graph.order.js";

describe("topologicalOrder (Kahn)", () => {
  it("orders a chain", () => {
    expect(topologicalOrder(["c", "b", "a"], [["a", "b"], ["b", "c"]])).toEqual({ ok: true, order: ["a", "b", "c"] });
  });

  it("orders a diamond, breaking ties by declaration order", () => {
    const edges: Array<[string, string]> = [["src", "left"], ["src", "right"], ["left", "join"], ["right", "join"]];
    expect(topologicalOrder(["src", "right", "left", "join"], edges)).toEqual({ ok: true, order: ["src", "right", "left", "join"] });
    expect(topologicalOrder(["src", "left", "right", "join"], edges)).toEqual({ ok: true, order: ["src", "left", "right", "join"] });
  });

  it("orders a known DAG exactly", () => {
    // 5 → 11, 7 → 11, 7 → 8, 3 → 8, 3 → 10, 11 → 2, 11 → 9, 11 → 10, 8 → 9 (the Wikipedia example)
    const nodes = ["n5", "n7", "n3", "n11", "n8", "n2", "n9", "n10"];
    const edges: Array<[string, string]> = [
      ["n5", "n11"], ["n7", "n11"], ["n7", "n8"], ["n3", "n8"], ["n3", "n10"], ["n11", "n2"], ["n11", "n9"], ["n11", "n10"], ["n8", "n9"],
    ];
    const result = topologicalOrder(nodes, edges);
    expect(result).toEqual({ ok: true, order: ["n5", "n7", "n3", "n11", "n8", "n2", "n9", "n10"] });
    if (!result.ok) return;
    for (const [from, to] of edges) expect(result.order.indexOf(from)).toBeLessThan(result.order.indexOf(to));
  });

  it("keeps disconnected nodes in declaration order and ignores duplicate edges", () => {
    expect(topologicalOrder(["x", "y", "z"], [["z", "x"], ["z", "x"]])).toEqual({ ok: true, order: ["y", "z", "x"] });
  });

  it("names a cycle node by node, starting at its earliest-declared node", () => {
    const result = topologicalOrder(["src", "a", "b", "c", "sink"], [["src", "a"], ["b", "c"], ["c", "a"], ["a", "b"], ["c", "sink"]]);
    expect(result).toEqual({ ok: false, cycle: ["a", "b", "c", "a"] });
  });

  it("names a self-loop", () => {
    expect(topologicalOrder(["a", "b"], [["a", "b"], ["b", "b"]])).toEqual({ ok: false, cycle: ["b", "b"] });
  });

  it("finds the cycle even when nodes downstream of it are unordered too", () => {
    const result = topologicalOrder(["d", "a", "b"], [["a", "b"], ["b", "a"], ["b", "d"]]);
    expect(result).toEqual({ ok: false, cycle: ["a", "b", "a"] });
  });
});
