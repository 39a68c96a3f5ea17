// Messages per second through a 5-node graph (passthrough → map → filter → accumulator → sink):
// a plain JavaScript loop doing the same work (the floor of what any engine costs), the engine with
// map/filter as trusted host code, and the engine with sandboxed (QuickJS) expressions, in one run.
// Run: npm run bench -- runtime (BENCH_INPUTS, default 50 000).
// Prints figures; asserts nothing. "Messages" are values received by nodes (5 per input before
// the filter, fewer after it); "inputs" are values injected.
import { randomUUID } from "node:crypto";
import { createBuiltinRegistry } from "../../runtime/src/components/builtins/index.js";
import type { ComponentDefinition } from "../../runtime/src/components/manifest.js";
import { Execution } from "../../runtime/src/executions/execution.js";
import { validateGraph } from "../../runtime/src/graphs/graph.validate.js";
import { row, start } from "../lib/report.js";

const bench = start("runtime");

const total = Number(process.env.BENCH_INPUTS ?? 50_000);
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

interface Measured {
  inputsPerSecond: number;
  messagesPerSecond: number;
  detail: string;
}

function report(label: string, inputs: number, messages: number, seconds: number, extra: string): Measured {
  process.stdout.write(
    `${label.padEnd(10)} ${inputs} inputs in ${seconds.toFixed(3)} s = ${Math.round(inputs / seconds).toLocaleString("en-US")} inputs/s, ` +
      `${Math.round(messages / seconds).toLocaleString("en-US")} messages/s (${extra})\n`,
  );
  return { inputsPerSecond: inputs / seconds, messagesPerSecond: messages / seconds, detail: extra };
}

// The same work without an engine: no queue, no port checks, no metrics, no yielding. Repeated
// until it has run 250 ms, since one pass is too short to time.
function plainLoop(inputs: number): Measured {
  let rounds = 0;
  let messages = 0;
  let windows = 0;
  const started = performance.now();
  do {
    const result = plainPass(inputs);
    messages += result.messages;
    windows = result.windows;
    rounds++;
  } while (performance.now() - started < 250);
  return report("plain JS", inputs * rounds, messages, (performance.now() - started) / 1_000, `${rounds} passes of ${inputs}; ${windows} windows per pass`);
}

function plainPass(inputs: number): { messages: number; windows: number } {
  let messages = 0;
  let windows = 0;
  let window: Array<{ n: number }> = [];
  const sink: Array<Array<{ n: number }>> = [];
  for (let i = 0; i < inputs; i++) {
    const value = { n: i };
    messages++; // passthrough
    const mapped = { n: value.n * 2 };
    messages++; // map
    messages++; // filter
    if (mapped.n % 3 === 0) continue;
    messages++; // accumulator
    window.push(mapped);
    if (window.length === 100) {
      messages++; // sink
      sink.push(window);
      windows++;
      window = [];
    }
  }
  if (window.length > 0) {
    messages++;
    sink.push(window);
    windows++;
  }
  return { messages, windows: sink.length === windows ? windows : -1 };
}

async function measure(sandboxed: boolean): Promise<Measured> {
  const execution = new Execution({ id: randomUUID(), orgId: "bench", graph: validateGraph(graph(sandboxed), registry), options: { queueCapacity: 1_000, metricsIntervalMs: 0 } });
  await execution.start();
  const started = performance.now();
  for (let i = 0; i < total; i++) await execution.injectWait({ node: "in" }, { n: i });
  execution.end();
  const state = await execution.whenSettled();
  const seconds = (performance.now() - started) / 1_000;
  const metrics = execution.metrics();
  const latency = metrics.nodes.map((n) => `${n.node} ${n.latencyMs.avg.toFixed(4)}`).join(", ");
  const messages = metrics.nodes.reduce((sum, n) => sum + n.messagesIn, 0);
  return report(sandboxed ? "sandboxed" : "host code", total, messages, seconds, `${state}; ${metrics.outputs} windows; avg ms per node: ${latency}`);
}

process.stdout.write(`${total} inputs per run\n`);
const plain = plainLoop(total);
const host = await measure(false);
const sandboxed = await measure(true);
const label = "plain JS loop, same work";
bench.finish(
  {
    graph: "passthrough → map → filter → accumulator (count 100) → sink; messages = values received by nodes",
    inputsPerRun: total,
    plainLoop: "the same work with no engine (no queue, port checks, metrics, yielding), repeated for 250 ms",
  },
  [
    row("messages/s, engine, map/filter as host code", host.messagesPerSecond, "msg/s", plain.messagesPerSecond, label),
    row("messages/s, engine, sandboxed expressions (QuickJS)", sandboxed.messagesPerSecond, "msg/s", plain.messagesPerSecond, label),
    row("messages/s, sandboxed vs host code", sandboxed.messagesPerSecond, "msg/s", host.messagesPerSecond, "engine with host code", "the sandbox's own cost"),
  ],
  { plain, host, sandboxed },
);
