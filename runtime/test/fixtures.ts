import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { createBuiltinRegistry } from "../src/components/builtins/index.js";
import type { ComponentRegistry } from "../src/components/manifest.js";
import { Execution, type ExecutionInit, type InjectTarget } from "../src/executions/execution.js";
import { isTerminal } from "../src/executions/execution.states.js";
import type { Clock } from "../src/executions/node-runtime.js";
import { validateGraph } from "../src/graphs/graph.validate.js";
import type { GraphDefinitionInput } from "../src/graphs/graph.schemas.js";

/** A built-in registry shared by tests. */
export const registry: ComponentRegistry = createBuiltinRegistry();

/** A started execution of `graph` (built-ins unless another registry is given). */
export async function startExecution(
  graph: GraphDefinitionInput,
  init: Partial<Omit<ExecutionInit, "graph">> & { registry?: ComponentRegistry } = {},
): Promise<Execution> {
  const execution = new Execution({
    id: init.id ?? randomUUID(),
    orgId: init.orgId ?? "org_test",
    graph: validateGraph(graph, init.registry ?? registry),
    options: { metricsIntervalMs: 0, ...init.options },
    ...(init.clock ? { clock: init.clock } : {}),
    ...(init.restore ? { restore: init.restore } : {}),
  });
  await execution.start();
  return execution;
}

/**
 * Runs `graph` to completion on `inputs` (all injected at `target`, waiting for room when the
 * queue is full) and returns the values of the execution's outputs, in order.
 */
export async function run(graph: GraphDefinitionInput, inputs: unknown[], target: InjectTarget = { node: "in" }, init: Parameters<typeof startExecution>[1] = {}) {
  const execution = await startExecution(graph, init);
  for (const value of inputs) {
    if (isTerminal(execution.state)) break;
    await execution.injectWait(target, value);
  }
  if (!isTerminal(execution.state)) execution.end();
  const state = await execution.whenSettled();
  return { execution, state, values: execution.outputs().map((o) => o.value) };
}

/** Runs and expects completion; returns the output values. */
export async function outputsOf(graph: GraphDefinitionInput, inputs: unknown[], target?: InjectTarget): Promise<unknown[]> {
  const result = await run(graph, inputs, target);
  expect(result.execution.error).toBeNull();
  expect(result.state).toBe("completed");
  return result.values;
}

/** A single-node graph around component `component` with `config`, the node named `in`. */
export function single(component: string, config: Record<string, unknown> = {}): GraphDefinitionInput {
  return { nodes: [{ id: "in", component, config }] };
}

/**
 * A clock whose time moves only when a test says so. `advance` fires due timers in time order,
 * letting the engine run between them.
 */
export class ManualClock implements Clock {
  time = Date.UTC(2025, 0, 1);
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Pending timers. */
  get pending(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = target;
    await settle();
  }
}

/** Lets queued promise callbacks and immediates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
