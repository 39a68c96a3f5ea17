import { describe, expect, it } from "vitest";
import { ManualClock, outputsOf, run, settle, single, startExecution } from "../../../test/fixtures.js";
import { builtinComponents } from "./index.js";
import { componentResources } from "../catalog-resources.js";
import { ComponentManifest } from "../manifest.js";

describe("passthrough", () => {
  it("forwards every value unchanged, in order", async () => {
    expect(await outputsOf(single("passthrough"), [1, "two", { three: [3] }, null])).toEqual([1, "two", { three: [3] }, null]);
  });
});

describe("filter", () => {
  it("keeps the values whose expression is truthy", async () => {
    const { execution, values } = await run(single("filter", { expression: "value % 2 === 0" }), [1, 2, 3, 4, 5, 6]);
    expect(values).toEqual([2, 4, 6]);
    const node = execution.metrics().nodes[0];
    expect([node?.messagesIn, node?.messagesOut]).toEqual([6, 3]);
  });

  it("uses JavaScript truthiness", async () => {
    expect(await outputsOf(single("filter", { expression: "value.tag" }), [{ tag: "" }, { tag: "x" }, {}, { tag: 0 }, { tag: [] }])).toEqual([{ tag: "x" }, { tag: [] }]);
  });
});

describe("map", () => {
  it("emits the expression's result for each value", async () => {
    expect(await outputsOf(single("map", { expression: "({ n: value.n * 10, label: `#${value.n}` })" }), [{ n: 1 }, { n: 2 }])).toEqual([
      { n: 10, label: "#1" },
      { n: 20, label: "#2" },
    ]);
  });

  it("fails the execution when the expression yields undefined", async () => {
    const { execution, state } = await run(single("map", { expression: "value.missing" }), [{}]);
    expect(state).toBe("failed");
    expect(execution.error).toMatchObject({ node: "in", code: "node_error", message: "map expression yielded undefined" });
  });
});

describe("split", () => {
  it("emits each element of an array in order", async () => {
    expect(await outputsOf(single("split"), [[1, 2], [], [3]])).toEqual([1, 2, 3]);
  });

  it("splits the array an expression yields", async () => {
    expect(await outputsOf(single("split", { expression: "value.words.map((w) => w.length)" }), [{ words: ["a", "bcd"] }, { words: ["ef"] }])).toEqual([1, 3, 2]);
  });

  it("refuses a non-array and more than maxItems elements", async () => {
    const bad = await run(single("split", { expression: "value" }), [{ not: "an array" }]);
    expect(bad.execution.error?.message).toMatch(/split needs an array, got object/);
    const big = await run(single("split", { maxItems: 2 }), [[1, 2, 3]]);
    expect(big.execution.error?.message).toMatch(/more than maxItems 2/);
  });
});

describe("merge", () => {
  it("interleaves its inputs in arrival order", async () => {
    const execution = await startExecution({ nodes: [{ id: "m", component: "merge", config: { inputs: ["left", "right", "extra"] } }] });
    execution.inject({ node: "m", port: "left" }, 1);
    execution.inject({ node: "m", port: "right" }, 2);
    execution.inject({ node: "m", port: "extra" }, 3);
    execution.inject({ node: "m", port: "left" }, 4);
    execution.end();
    expect(await execution.whenSettled()).toBe("completed");
    expect(execution.outputs().map((o) => o.value)).toEqual([1, 2, 3, 4]);
  });

  it("zips one value from each input, first in first paired", async () => {
    const execution = await startExecution({ nodes: [{ id: "m", component: "merge", config: { mode: "zip" } }] });
    execution.inject({ node: "m", port: "a" }, 1);
    execution.inject({ node: "m", port: "a" }, 2);
    execution.inject({ node: "m", port: "b" }, "x");
    execution.inject({ node: "m", port: "b" }, "y");
    execution.end();
    expect(await execution.whenSettled()).toBe("completed");
    expect(execution.outputs().map((o) => o.value)).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
  });

  it("reports values left unpaired at end of input", async () => {
    const execution = await startExecution({ nodes: [{ id: "m", component: "merge", config: { mode: "zip" } }] });
    execution.inject({ node: "m", port: "a" }, 1);
    execution.end();
    expect(await execution.whenSettled()).toBe("failed");
    expect(execution.error?.message).toMatch(/unpaired values at end of input \(a: 1\)/);
  });

  it("types a zipped output as an object of its inputs", async () => {
    const execution = await startExecution({ nodes: [{ id: "m", component: "merge", config: { mode: "zip", schema: { type: "integer" } } }] });
    expect(execution.graph.nodes.get("m")?.outputs.get("out")?.schema).toEqual({
      type: "object",
      required: ["a", "b"],
      additionalProperties: false,
      properties: { a: { type: "integer" }, b: { type: "integer" } },
    });
    execution.cancel();
  });
});

describe("accumulator", () => {
  it("count window: emits every `count` values and the partial window at the end", async () => {
    expect(await outputsOf(single("accumulator", { window: "count", count: 3 }), [1, 2, 3, 4, 5, 6, 7])).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("size window: closes once the values' JSON bytes reach maxBytes", async () => {
    // JSON bytes: "aa" 4, "é" 4 (é is 2 bytes in UTF-8), "b" 3. Windows close at ≥ 8 bytes.
    expect(await outputsOf(single("accumulator", { window: "size", maxBytes: 8 }), ["aa", "aa", "é", "b", "aa", "b"])).toEqual([["aa", "aa"], ["é", "b", "aa"], ["b"]]);
  });

  it("time window: emits what arrived within `ms` of the window's first value", async () => {
    const clock = new ManualClock();
    const execution = await startExecution(single("accumulator", { window: "time", ms: 100 }), { clock });
    execution.inject({ node: "in" }, 1);
    execution.inject({ node: "in" }, 2);
    await clock.advance(50);
    execution.inject({ node: "in" }, 3);
    await clock.advance(49);
    expect(execution.outputs()).toEqual([]);
    await clock.advance(1);
    expect(execution.outputs().map((o) => o.value)).toEqual([[1, 2, 3]]);
    await clock.advance(500);
    expect(execution.outputs()).toHaveLength(1);
    execution.inject({ node: "in" }, 4);
    await clock.advance(100);
    expect(execution.outputs().map((o) => o.value)).toEqual([[1, 2, 3], [4]]);
    execution.end();
    expect(await execution.whenSettled()).toBe("completed");
  });

  it("closes any window early at maxItems", async () => {
    expect(await outputsOf(single("accumulator", { window: "count", count: 100, maxItems: 2 }), [1, 2, 3])).toEqual([[1, 2], [3]]);
  });
});

describe("delay", () => {
  it("emits each value `ms` after it arrived, in order", async () => {
    const clock = new ManualClock();
    const execution = await startExecution(single("delay", { ms: 100 }), { clock });
    execution.inject({ node: "in" }, "first");
    await clock.advance(30);
    execution.inject({ node: "in" }, "second");
    await clock.advance(69);
    expect(execution.outputs()).toEqual([]);
    await clock.advance(1);
    expect(execution.outputs().map((o) => o.value)).toEqual(["first"]);
    await clock.advance(29);
    expect(execution.outputs()).toHaveLength(1);
    await clock.advance(1);
    expect(execution.outputs().map((o) => o.value)).toEqual(["first", "second"]);
    execution.end();
    expect(await execution.whenSettled()).toBe("completed");
  });

  it("holds at most maxPending values and slows the input instead", async () => {
    const clock = new ManualClock();
    const execution = await startExecution(single("delay", { ms: 100, maxPending: 2 }), { clock });
    for (const value of [1, 2, 3, 4]) execution.inject({ node: "in" }, value);
    await settle();
    // Two held, the third waits inside the node, the fourth is still queued.
    expect(execution.metrics().queue.depth).toBe(1);
    await clock.advance(100);
    expect(execution.outputs().map((o) => o.value)).toEqual([1, 2]);
    execution.end();
    await clock.advance(100);
    await clock.advance(100);
    expect(await execution.whenSettled()).toBe("completed");
    expect(execution.outputs().map((o) => o.value)).toEqual([1, 2, 3, 4]);
  });

  it("lets held values leave on schedule at end of input", async () => {
    const clock = new ManualClock();
    const execution = await startExecution(single("delay", { ms: 1_000 }), { clock });
    execution.inject({ node: "in" }, "held");
    execution.end();
    await clock.advance(999);
    expect(execution.state).toBe("running");
    await clock.advance(1);
    expect(await execution.whenSettled()).toBe("completed");
    expect(execution.outputs().map((o) => o.value)).toEqual(["held"]);
  });
});

describe("manifests", () => {
  it("are valid and exportable as catalog component resources", () => {
    const resources = componentResources();
    expect(resources.map((r) => r.key)).toEqual([
      "components/passthrough",
      "components/filter",
      "components/map",
      "components/merge",
      "components/split",
      "components/accumulator",
      "components/delay",
    ]);
    for (const resource of resources) {
      expect(resource.type).toBe("component");
      expect(ComponentManifest.safeParse(resource.body).success).toBe(true);
      expect(resource.tags).toContain("builtin");
    }
    expect(resources.find((r) => r.key === "components/accumulator")?.tags).toContain("stateful");
    expect(builtinComponents().filter((c) => c.manifest.stateful).map((c) => c.manifest.id)).toEqual(["merge", "accumulator", "delay"]);
  });
});
