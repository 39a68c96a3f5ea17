// Messages per second through a 5-node graph (passthrough → map → filter → accumulator → sink),
// once with map/filter as trusted host code and once with sandboxed (QuickJS) expressions.
// Run: npx tsx runtime/bench/throughput.ts [messages]. Prints figures; asserts nothing.
import { randomUUID } from "node:crypto";
import { createBuiltinRegistry } from "../src/components/builtins/index.js";
import type { ComponentDefinition } from "../src/components/manifest.js";
import { Execution } from "../src/executions/execution.js";
import { validateGraph } from "../src/graphs/graph.validate.js";

const total = Number(process.argv[2] ?? 20_000);
const registry = createBuiltinRegistry();

// Host-code twins of map and filter, for the baseline only (graphs never get host code).
const hostMap: ComponentDefinition = {
  manifest: { id: "bench-map", version: "1.0.0", name: "Host map", description: "n * 2 in host code", inputs: [{ name: "in", schema: {} }], outputs: [{ name: "out", schema: {} }], config: { type: "object" }, stateful: false },
  create: (context) => ({ receive: (_port, value) => context.emit("out", { n: (value as { n: number }).n * 2 }) }),
};
const hostFilter: ComponentDefinition = {
  manifest: { id: "bench-filter", version: "1.0.0", name: "Host filter", description: "n % 3 in host code", inputs: [{ name: "in", schema: {} }], outputs: [{ name: "out", schema: {} }], config: { type: "object" }, stateful: false },
  create: (context) => ({
    receive: (_port, value) => {
      if ((value as { n: number }).n % 3 !== 0) context.emit("out", value);
    },
  }),
};
registry.register(hostMap).register(hostFilter);

function graph(sandboxed: boolean) {
  return {
    nodes: [
      { id: "in", component: "passthrough" },
      sandboxed ? { id: "map", component: "map", config: { expression: "({ n: value.n * 2 })" } } : { id: "map", component: "bench-map" },
      sandboxed ? { id: "filter", component: "filter", config: { expression: "value.n % 3 !== 0" } } : { id: "filter", component: "bench-filter" },
      { id: "window", component: "accumulator", config: { window: "count", count: 100 } },
      { id: "sink", component: "passthrough" },
    ],
    edges: [
      { from: "in.out", to: "map.in" },
      { from: "map.out", to: "filter.in" },
      { from: "filter.out", to: "window.in" },
      { from: "window.out", to: "sink.in" },
    ],
  };
}

async function measure(sandboxed: boolean): Promise<void> {
  const execution = new Execution({ id: randomUUID(), orgId: "bench", graph: validateGraph(graph(sandboxed), registry), options: { queueCapacity: 1_000, metricsIntervalMs: 0 } });
  await execution.start();
  const started = performance.now();
  for (let i = 0; i < total; i++) await execution.injectWait({ node: "in" }, { n: i });
  execution.end();
  const state = await execution.whenSettled();
  const seconds = (performance.now() - started) / 1_000;
  const metrics = execution.metrics();
  const latency = metrics.nodes.map((n) => `${n.node} ${n.latencyMs.avg.toFixed(3)}`).join(", ");
  process.stdout.write(
    `${sandboxed ? "sandboxed" : "host code"}: ${total} inputs in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} inputs/s ` +
      `(${state}; ${metrics.outputs} windows; avg ms per node: ${latency})\n`,
  );
}

await measure(false);
await measure(true);
