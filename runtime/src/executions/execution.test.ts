import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "@symbia/sys";
import { describe, expect, it } from "vitest";
import { PortValueError } from "../errors.js";
import { ManualClock, run, settle, single, startExecution } from "../../test/fixtures.js";
import type { GraphDefinitionInput } from "../graphs/graph.schemas.js";
import type { BackpressureEvent, EmissionEvent, OutputEvent, ProgressEvent } from "./execution.events.js";
import type { ExecutionMetrics } from "./execution.metrics.js";

const pipeline: GraphDefinitionInput = {
  nodes: [
    { id: "in", component: "passthrough", config: { schema: { type: "integer" } } },
    { id: "double", component: "map", config: { expression: "value * 2", inputSchema: { type: "integer" }, outputSchema: { type: "integer" } } },
    { id: "out", component: "passthrough", config: { schema: { type: "integer" } } },
  ],
  edges: [
    { from: "in.out", to: "double.in" },
    { from: "double.out", to: "out.in" },
  ],
};

function caught(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("no error thrown");
}

describe("inject", () => {
  it("rejects a value that does not match the input port's type, and queues nothing", async () => {
    const execution = await startExecution(pipeline);
    expect(execution.error).toBeNull();
    const error = caught(() => execution.inject({ node: "in" }, "not a number"));
    expect(error).toBeInstanceOf(PortValueError);
    expect(error.code).toBe("validation_failed");
    expect(error.message).toBe("value on input in.in does not match its type: / must be integer");
    expect(execution.metrics().inputsAccepted).toBe(0);
    execution.cancel();
  });

  it("accepts only open input ports and JSON values within the size limit", async () => {
    const execution = await startExecution(pipeline, { options: { maxValueBytes: 64 } });
    expect(caught(() => execution.inject({ node: "double" }, 1)).message).toMatch(/open input ports; name one|not an open input/);
    expect(caught(() => execution.inject({ node: "double", port: "in" }, 1)).details).toMatchObject({ openInputs: ["in.in"] });
    expect(caught(() => execution.inject({ node: "ghost" }, 1)).message).toBe('unknown node "ghost"');
    expect(caught(() => execution.inject({ node: "in" }, undefined)).message).toBe("value is required");
    const big = await startExecution(single("passthrough"), { options: { maxValueBytes: 64 } });
    expect(caught(() => big.inject({ node: "in" }, "x".repeat(100))).code).toBe("payload_too_large");
    execution.cancel();
    big.cancel();
  });

  it("refuses input after end() and after the execution ended", async () => {
    const execution = await startExecution(single("passthrough"));
    execution.end();
    expect(caught(() => execution.inject({ node: "in" }, 1)).code).toBe("conflict");
    expect(caught(() => execution.end()).code).toBe("conflict");
    await execution.whenSettled();
    expect(caught(() => execution.inject({ node: "in" }, 1)).message).toMatch(/completed/);
  });
});

describe("values checked at run time", () => {
  const wrongType: GraphDefinitionInput = {
    nodes: [
      { id: "in", component: "map", config: { expression: "value > 2 ? 'big' : value", outputSchema: { type: "integer" } } },
      { id: "sink", component: "passthrough", config: { schema: { type: "integer" } } },
    ],
    edges: [{ from: "in.out", to: "sink.in" }],
  };

  it("fails the execution on a value that breaks its port's type, naming node and port", async () => {
    const { execution, state, values } = await run(wrongType, [1, 2, 3, 4]);
    expect(state).toBe("failed");
    expect(values).toEqual([1, 2]);
    expect(execution.error).toEqual({ code: "validation_failed", node: "in", port: "in", message: "value on output in.out does not match its type: / must be integer" });
  });

  it("sends the failure to the error port with onError: port and carries on", async () => {
    const graph: GraphDefinitionInput = { ...wrongType, nodes: wrongType.nodes.map((n) => (n.id === "in" ? { ...n, onError: "port" as const } : n)) };
    const { execution, state } = await run(graph, [1, 3, 2]);
    expect(state).toBe("completed");
    expect(execution.outputs().map(({ node, port, value }) => ({ node, port, value }))).toEqual([
      { node: "sink", port: "out", value: 1 },
      {
        node: "in",
        port: "error",
        value: { node: "in", code: "validation_failed", message: "value on output in.out does not match its type: / must be integer", port: "in", value: 3 },
      },
      { node: "sink", port: "out", value: 2 },
    ]);
    expect(execution.metrics().nodes.find((n) => n.node === "in")?.errors).toBe(1);
  });

  it("routes errors to a connected node", async () => {
    const { values } = await run(
      {
        nodes: [
          { id: "in", component: "map", config: { expression: "value.a.b" }, onError: "port" },
          { id: "messages", component: "map", config: { expression: "value.message" } },
        ],
        edges: [{ from: "in.error", to: "messages.in" }],
      },
      [{ a: { b: 1 } }, {}],
    );
    expect(values).toEqual([1, expect.stringMatching(/TypeError/)]);
  });

  it("contains a runaway expression to its node (time limit) and fails the execution", async () => {
    const { execution, state } = await run(single("map", { expression: "(() => { while (true) {} })()" }), [1], { node: "in" }, { options: { sandbox: { timeoutMs: 30, memoryBytes: 8 << 20, stackBytes: 128 << 10 } } });
    expect(state).toBe("failed");
    expect(execution.error).toMatchObject({ node: "in", code: "sandbox_timeout" });
  });

  it("fails at initialization when an expression does not compile", async () => {
    const execution = await startExecution(single("filter", { expression: "value +* 1" }));
    expect(execution.state).toBe("failed");
    expect(execution.error).toMatchObject({ node: "in", code: "initialization_failed:sandbox_syntax" });
  });
});

describe("pause and backpressure", () => {
  const capacity = 20;
  const total = capacity * 10;

  it("with 10× the queue bound injected: bounded queue, backpressure seen, no loss, order kept after resume", async () => {
    const execution = await startExecution(pipeline, { options: { queueCapacity: capacity, pausedRetryAfterMs: 5 } });
    const backpressure: BackpressureEvent[] = [];
    execution.events.on("backpressure", (e) => backpressure.push(e));
    let maxDepthSeen = 0;
    execution.events.on("backpressure", (e) => (maxDepthSeen = Math.max(maxDepthSeen, e.queueDepth)));
    execution.pause();

    // One producer sends 0..total-1 in order, retrying a refused value after the hinted delay.
    let refusals = 0;
    const producer = (async () => {
      for (let i = 0; i < total; i++) {
        for (;;) {
          const result = execution.inject({ node: "in" }, i);
          if (result.accepted) break;
          refusals++;
          expect(result.queueDepth).toBeLessThanOrEqual(capacity);
          await sleep(result.retryAfterMs);
        }
      }
    })();

    await sleep(60);
    const whilePaused = execution.metrics();
    expect(whilePaused.queue.depth).toBe(capacity);
    expect(whilePaused.inputsAccepted).toBe(capacity);
    expect(execution.outputs()).toEqual([]);
    expect(refusals).toBeGreaterThan(0);
    expect(backpressure[0]).toMatchObject({ queueDepth: capacity, capacity, retryAfterMs: 5, waited: false });

    execution.resume();
    await producer;
    execution.end();
    expect(await execution.whenSettled()).toBe("completed");

    const values = execution.outputs().map((o) => o.value);
    expect(values).toEqual(Array.from({ length: total }, (_, i) => i * 2));
    const metrics = execution.metrics();
    expect(metrics.queue.maxDepth).toBeLessThanOrEqual(capacity);
    expect(maxDepthSeen).toBeLessThanOrEqual(capacity);
    expect(metrics.inputsAccepted).toBe(total);
    expect(metrics.inputsRefused).toBe(refusals);
    // One input at a time crosses the graph: no inbox ever holds more than one value.
    expect(Math.max(...metrics.nodes.map((n) => n.maxQueueDepth))).toBe(1);
  });

  it("bounds the queue in bytes as well as in values", async () => {
    const execution = await startExecution(single("passthrough"), { options: { queueCapacity: 1_000, queueMaxBytes: 1_024, maxValueBytes: 512 } });
    execution.pause();
    const value = "x".repeat(300); // 302 bytes of JSON
    const answers = [1, 2, 3, 4].map(() => execution.inject({ node: "in" }, value).accepted);
    expect(answers).toEqual([true, true, true, false]);
    expect(execution.metrics().queue.bytes).toBe(906);
    execution.cancel();
  });

  it("makes waiting producers take turns in call order, then drains in that order", async () => {
    const execution = await startExecution(pipeline, { options: { queueCapacity: 3 } });
    execution.pause();
    const waits = Array.from({ length: 30 }, (_, i) => execution.injectWait({ node: "in" }, i));
    await settle();
    expect(execution.metrics().queue).toMatchObject({ depth: 3, waiting: 27 });
    // A non-waiting inject may not overtake the waiting producers.
    expect(execution.inject({ node: "in" }, 99)).toMatchObject({ accepted: false, reason: "backpressure" });
    execution.resume();
    const sequences = (await Promise.all(waits)).map((w) => w.sequence);
    expect(sequences).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    execution.end();
    await execution.whenSettled();
    expect(execution.outputs().map((o) => o.value)).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
    expect(execution.metrics().inputsWaited).toBe(27);
  });

  it("gives a waiting producer up when its signal aborts, without taking its value", async () => {
    const execution = await startExecution(single("passthrough"), { options: { queueCapacity: 1 } });
    execution.pause();
    execution.inject({ node: "in" }, "queued");
    const controller = new AbortController();
    const waiting = execution.injectWait({ node: "in" }, "gave up", controller.signal);
    controller.abort(new Error("client went away"));
    await expect(waiting).rejects.toThrow("client went away");
    execution.resume();
    execution.end();
    await execution.whenSettled();
    expect(execution.outputs().map((o) => o.value)).toEqual(["queued"]);
  });

  it("cancel rejects waiting producers, counts discarded inputs and stops timers", async () => {
    const clock = new ManualClock();
    const execution = await startExecution(single("delay", { ms: 1_000 }), { clock, options: { queueCapacity: 2 } });
    execution.inject({ node: "in" }, "held");
    await settle();
    execution.pause();
    execution.inject({ node: "in" }, "a");
    execution.inject({ node: "in" }, "b");
    const waiting = execution.injectWait({ node: "in" }, "c");
    expect(clock.pending).toBe(1);
    execution.cancel();
    await expect(waiting).rejects.toMatchObject({ code: "conflict" });
    expect(clock.pending).toBe(0);
    expect(execution.metrics()).toMatchObject({ state: "cancelled", inputsAccepted: 3, inputsDiscarded: 2 });
    await clock.advance(2_000);
    expect(execution.outputs()).toEqual([]);
  });
});

describe("monitoring", () => {
  it("reports per-node metrics", async () => {
    const { execution } = await run(
      {
        nodes: [
          { id: "in", component: "filter", config: { expression: "value > 1" } },
          { id: "acc", component: "accumulator", config: { window: "count", count: 2 } },
        ],
        edges: [{ from: "in.out", to: "acc.in" }],
      },
      [1, 2, 3, 4, 5],
    );
    const metrics = execution.metrics();
    expect(metrics).toMatchObject({ state: "completed", inputsAccepted: 5, outputs: 2, outputsEvicted: 0 });
    expect(metrics.nodes.map(({ node, messagesIn, messagesOut, errors, queueDepth }) => ({ node, messagesIn, messagesOut, errors, queueDepth }))).toEqual([
      { node: "in", messagesIn: 5, messagesOut: 4, errors: 0, queueDepth: 0 },
      { node: "acc", messagesIn: 4, messagesOut: 2, errors: 0, queueDepth: 0 },
    ]);
    const latency = metrics.nodes[0]?.latencyMs;
    expect(latency?.count).toBe(5);
    expect(latency?.max).toBeGreaterThan(0);
    expect(latency?.avg).toBeLessThanOrEqual(latency?.max ?? 0);
    expect(metrics.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("emits sampled port emissions, outputs, progress and metrics", async () => {
    const execution = await startExecution(pipeline, { options: { emissionSampleEvery: 3 } });
    const emissions: EmissionEvent[] = [];
    const outputs: OutputEvent[] = [];
    const progress: ProgressEvent[] = [];
    const metrics: ExecutionMetrics[] = [];
    execution.events.on("emission", (e) => emissions.push(e));
    execution.events.on("output", (e) => outputs.push(e));
    execution.events.on("progress", (e) => progress.push(e));
    execution.events.on("metrics", (e) => metrics.push(e));
    for (let i = 0; i < 7; i++) execution.inject({ node: "in" }, i);
    await execution.idle();
    execution.tick();
    execution.tick(); // nothing moved: no second progress
    execution.end();
    await execution.whenSettled();

    expect(emissions.filter((e) => e.node === "double").map((e) => [e.count, e.value])).toEqual([
      [1, 0],
      [4, 6],
      [7, 12],
    ]);
    expect(outputs.map((o) => [o.index, o.node, o.value])).toEqual(Array.from({ length: 7 }, (_, i) => [i, "out", i * 2]));
    expect(progress.map((p) => [p.node, p.messagesIn, p.messagesOut])).toEqual([
      ["in", 7, 7],
      ["double", 7, 7],
      ["out", 7, 7],
    ]);
    expect(metrics.map((m) => m.state)).toEqual(["running", "running", "completed"]);
  });

  it("sends metrics on a timer while running", async () => {
    const clock = new ManualClock();
    const execution = await startExecution(single("passthrough"), { clock, options: { metricsIntervalMs: 100 } });
    const ticks: string[] = [];
    execution.events.on("metrics", (m) => ticks.push(m.state));
    await clock.advance(350);
    expect(ticks).toEqual(["running", "running", "running"]);
    execution.cancel();
    await clock.advance(500);
    expect(ticks).toEqual(["running", "running", "running", "cancelled"]);
  });

  it("keeps the last maxOutputs outputs and counts the evicted ones", async () => {
    const { execution } = await run(single("passthrough"), [1, 2, 3, 4, 5], { node: "in" }, { options: { maxOutputs: 2 } });
    expect(execution.outputs().map((o) => o.value)).toEqual([4, 5]);
    expect(execution.metrics()).toMatchObject({ outputs: 5, outputsEvicted: 3 });
  });

  it("survives a listener that throws", async () => {
    const execution = await startExecution(single("passthrough"));
    execution.events.on("output", () => {
      throw new Error("listener bug");
    });
    execution.inject({ node: "in" }, 1);
    execution.end();
    expect(await execution.whenSettled()).toBe("completed");
  });
});

describe("snapshot and restore (in memory)", () => {
  const windowed = single("accumulator", { window: "count", count: 3 });

  it("continues an accumulator's open window and the queued inputs", async () => {
    const first = await startExecution(windowed);
    first.inject({ node: "in" }, "a");
    first.inject({ node: "in" }, "b");
    await first.idle();
    first.pause();
    first.inject({ node: "in" }, "c");
    first.inject({ node: "in" }, "d");
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    first.cancel();
    expect(snapshot).toMatchObject({ state: "paused", sequence: 4, nodes: { in: { items: ["a", "b"] } }, queue: [{ value: "c" }, { value: "d" }] });

    const second = await startExecution(windowed, { restore: snapshot });
    expect(second.state).toBe("paused");
    second.resume();
    second.inject({ node: "in" }, "e");
    second.end();
    expect(await second.whenSettled()).toBe("completed");
    expect(second.outputs().map((o) => o.value)).toEqual([["a", "b", "c"], ["d", "e"]]);
    expect(second.metrics().inputsAccepted).toBe(5);
  });

  it("puts a value in flight back in its inbox and keeps delayed values with their due times", async () => {
    const clock = new ManualClock();
    const graph = single("delay", { ms: 100, maxPending: 1 });
    const first = await startExecution(graph, { clock });
    first.inject({ node: "in" }, 1);
    await clock.advance(40);
    first.inject({ node: "in" }, 2); // waits inside the node for room: in flight
    await settle();
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    first.cancel();
    expect(snapshot.nodes.in.pending).toEqual([{ value: 1, due: clock.time + 60 }]);
    expect(snapshot.inboxes).toEqual({ in: [{ port: "in", value: 2 }] });
    expect(snapshot.counters.nodes.in.messagesIn).toBe(1);

    const second = await startExecution(graph, { clock, restore: snapshot });
    await clock.advance(59);
    expect(second.outputs()).toEqual([]);
    await clock.advance(1);
    expect(second.outputs().map((o) => o.value)).toEqual([1]);
    await clock.advance(100);
    expect(second.outputs().map((o) => o.value)).toEqual([1, 2]);
    expect(second.metrics().nodes[0]).toMatchObject({ messagesIn: 2, messagesOut: 2 });
    second.cancel();
  });
});
