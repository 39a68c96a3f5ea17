import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { AppError } from "@symbia/sys";
import { PortValueError } from "../errors.js";
import { validateValue } from "../components/json-schema.js";
import { ERROR_PORT, type PortSpec } from "../components/manifest.js";
import { jsonBytes } from "../components/builtins/shared.js";
import type { Endpoint, ValidatedGraph } from "../graphs/graph.validate.js";
import { ExecutionEvents, type ExecutionError } from "./execution.events.js";
import type { ExecutionMetrics } from "./execution.metrics.js";
import { DEFAULT_EXECUTION_OPTIONS, resolveOptions, type ExecutionOptions } from "./execution.options.js";
import { assertTransition, isTerminal, type ExecutionState } from "./execution.states.js";
import type { EngineLogger, ExecutionInit, QueuedInput } from "./execution.types.js";
import { InputQueue } from "./input-queue.js";
import { describeNodeError, NodeRuntime, systemClock, type Clock, type Message, type NodeHost } from "./node-runtime.js";
import { OutputBuffer } from "./output-buffer.js";

const EMISSION_VALUE_LIMIT = 4 * 1024;
// Longest stretch the pump runs before letting timers and I/O in, in ms.
const SLICE_MS = 10;

/**
 * Checks `value` against the JSON Schema of port `spec` of `node`.
 * @throws PortValueError (400 `validation_failed`) listing the violations.
 */
export function checkPortValue(node: string, spec: PortSpec, direction: "input" | "output", value: unknown): void {
  const issues = validateValue(spec.schema, value);
  if (issues.length > 0) throw new PortValueError(node, spec.name, direction, issues);
}

/**
 * The moving part of an execution: node runtimes and their inboxes, the pump that carries
 * values through the graph in topological order, emissions, node errors, outputs and the state
 * machine's bookkeeping. {@link Execution} adds the controls (start, inject, pause, snapshot).
 */
export abstract class ExecutionFlow implements NodeHost {
  readonly id: string;
  readonly orgId: string;
  readonly graph: ValidatedGraph;
  readonly options: ExecutionOptions;
  readonly clock: Clock;
  readonly events: ExecutionEvents;
  readonly sandboxLimits: ExecutionOptions["sandbox"];
  protected currentState: ExecutionState = "pending";
  protected failure: ExecutionError | null = null;
  protected readonly nodes = new Map<string, NodeRuntime>();
  protected readonly queue: InputQueue<QueuedInput>;
  protected readonly abort = new AbortController();
  protected readonly logger: EngineLogger | undefined;
  protected sequence = 0;
  protected ending = false;
  protected pumping = false;
  protected inFlight: { node: string; message: Message } | null = null;
  protected inboxTotal = 0;
  protected inputsDiscarded = 0;
  protected readonly outputBuffer: OutputBuffer;
  protected detached = false;
  protected avgInputMs = 0;
  protected sliceStartedAt = 0;
  protected startedAt: number | null = null;
  protected endedAt: number | null = null;
  protected ticker: unknown = null;
  protected idleWaiters: Array<() => void> = [];
  protected settledWaiters: Array<(state: ExecutionState) => void> = [];

  protected constructor(init: ExecutionInit) {
    this.id = init.id;
    this.orgId = init.orgId;
    this.graph = init.graph;
    this.options = resolveOptions(DEFAULT_EXECUTION_OPTIONS, init.options);
    this.sandboxLimits = this.options.sandbox;
    this.outputBuffer = new OutputBuffer(this.options.maxOutputs, this.options.maxOutputBytes);
    this.clock = init.clock ?? systemClock;
    this.logger = init.logger;
    this.events = new ExecutionEvents((error, event) => this.logger?.warn({ executionId: this.id, event, err: String(error) }, "execution event listener threw"));
    this.queue = new InputQueue<QueuedInput>(this.options.queueCapacity, this.options.queueMaxBytes, (item) => {
      item.sequence = ++this.sequence;
    });
    for (const id of this.graph.order) this.nodes.set(id, new NodeRuntime(this.graph.nodes.get(id) as NonNullable<ReturnType<ValidatedGraph["nodes"]["get"]>>, this));
  }

  get state(): ExecutionState {
    return this.currentState;
  }

  /** Why the execution failed, or null. */
  get error(): ExecutionError | null {
    return this.failure;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Resolves with the terminal state once the execution ends. */
  whenSettled(): Promise<ExecutionState> {
    if (isTerminal(this.currentState)) return Promise.resolve(this.currentState);
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Resolves when nothing is being processed and nothing processable waits (paused counts as idle). */
  idle(): Promise<void> {
    if (!this.pumping && !(this.currentState === "running" && this.hasWork())) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // ---- NodeHost ----

  stopped(): boolean {
    return this.detached || isTerminal(this.currentState);
  }

  emit(node: NodeRuntime, port: string, value: unknown): void {
    if (this.stopped()) return;
    const spec = node.resolved.outputs.get(port);
    if (!spec) throw new AppError("internal", `component ${node.resolved.definition.component} emitted on unknown port ${port}`);
    checkPortValue(node.id, spec, "output", value);
    node.counters.messagesOut++;
    const count = (node.emitted.get(port) ?? 0) + 1;
    node.emitted.set(port, count);
    if ((count - 1) % this.options.emissionSampleEvery === 0 && this.events.has("emission")) this.emitSample(node.id, port, count, value);
    const targets = this.graph.routes.get(`${node.id}.${port}`);
    if (targets) {
      for (const target of targets) this.deliver(target, value);
    } else {
      this.collect(node.id, port, value);
    }
    this.schedule();
  }

  timerFailed(node: NodeRuntime, error: unknown): void {
    this.nodeFailed(node, error, undefined);
  }

  // ---- the flow ----

  protected transition(to: ExecutionState, error?: ExecutionError): void {
    if (this.detached) throw new AppError("unavailable", "execution was handed over (service stopping)");
    const from = this.currentState;
    assertTransition(from, to);
    this.currentState = to;
    if (isTerminal(to)) this.teardown();
    this.events.emit("state", { executionId: this.id, orgId: this.orgId, from, to, at: new Date(this.clock.now()).toISOString(), ...(error ? { error } : {}) });
    if (isTerminal(to)) {
      this.events.emit("metrics", this.metrics());
      for (const resolve of this.settledWaiters.splice(0)) resolve(to);
      this.wakeIdle();
    }
  }

  protected fail(error: ExecutionError): void {
    if (this.stopped()) return;
    this.failure = error;
    this.logger?.warn({ executionId: this.id, orgId: this.orgId, node: error.node, code: error.code }, "execution failed");
    this.transition("failed", error);
  }

  protected teardown(): void {
    this.endedAt = this.clock.now();
    this.release(new AppError("conflict", `execution ${this.currentState}`));
    this.inputsDiscarded += this.queue.clear();
  }

  // Stops everything that could still act: waits, timers, the ticker, sandboxes.
  protected release(reason: AppError): void {
    this.abort.abort(reason);
    if (this.ticker !== null) this.clock.clearTimeout(this.ticker);
    this.ticker = null;
    this.queue.rejectWaiters(reason);
    for (const node of this.nodes.values()) {
      try {
        node.dispose();
      } catch (error) {
        this.logger?.warn({ executionId: this.id, node: node.id, err: String(error) }, "node dispose failed");
      }
    }
  }

  protected deliver(target: Endpoint, value: unknown): void {
    const node = this.nodes.get(target.node) as NodeRuntime;
    node.inbox.push({ port: target.port, value });
    this.inboxTotal++;
    if (node.inbox.length > node.counters.maxQueueDepth) node.counters.maxQueueDepth = node.inbox.length;
  }

  protected collect(node: string, port: string, value: unknown): void {
    const record = this.outputBuffer.add(node, port, value);
    this.events.emit("output", { executionId: this.id, ...record });
  }

  protected emitSample(node: string, port: string, count: number, value: unknown): void {
    const bytes = jsonBytes(value);
    this.events.emit("emission", {
      executionId: this.id,
      node,
      port,
      count,
      bytes,
      ...(bytes <= EMISSION_VALUE_LIMIT ? { value } : { truncated: true }),
    });
  }

  protected hasWork(): boolean {
    return this.inboxTotal > 0 || this.queue.depth > 0 || this.ending;
  }

  protected schedule(): void {
    if (this.pumping || this.detached || this.currentState !== "running") return;
    void this.pump();
  }

  // One loop per execution: drain inboxes in topological order; when all are empty, let the next
  // queued input in; when input has ended and all is drained, flush nodes in order and complete.
  protected async pump(): Promise<void> {
    this.pumping = true;
    this.sliceStartedAt = performance.now();
    try {
      let inputStartedAt: number | null = null;
      while (this.flowing()) {
        if (this.inboxTotal > 0) {
          await this.drain();
          continue;
        }
        if (inputStartedAt !== null) {
          const took = performance.now() - inputStartedAt;
          this.avgInputMs = this.avgInputMs === 0 ? took : this.avgInputMs * 0.8 + took * 0.2;
          inputStartedAt = null;
        }
        if (await this.yieldIfLong()) continue;
        const input = this.queue.shift();
        if (input) {
          inputStartedAt = performance.now();
          this.deliver({ node: input.node, port: input.port }, input.value);
          continue;
        }
        if (this.ending) await this.finish();
        break;
      }
    } catch (error) {
      this.fail({ code: "internal", message: error instanceof Error ? error.message : String(error) });
    } finally {
      this.pumping = false;
      this.wakeIdle();
    }
  }

  protected flowing(): boolean {
    return this.currentState === "running" && !this.detached;
  }

  // Processes inbox values, first node in topological order first, until none is left or the
  // flow stops (pause, end, detach).
  protected async drain(): Promise<void> {
    while (this.inboxTotal > 0 && this.flowing()) {
      if (await this.yieldIfLong()) continue;
      await this.processNext();
    }
  }

  // Lets timers and I/O in after SLICE_MS of continuous work; true when it yielded (the caller
  // then re-checks the state, which may have changed meanwhile).
  protected async yieldIfLong(): Promise<boolean> {
    if (performance.now() - this.sliceStartedAt <= SLICE_MS) return false;
    await yieldToEventLoop();
    this.sliceStartedAt = performance.now();
    return true;
  }

  protected async processNext(): Promise<void> {
    for (const node of this.nodes.values()) {
      const message = node.inbox.shift();
      if (!message) continue;
      this.inboxTotal--;
      this.inFlight = { node: node.id, message };
      node.counters.messagesIn++;
      const started = performance.now();
      try {
        checkPortValue(node.id, node.resolved.inputs.get(message.port) as PortSpec, "input", message.value);
        await node.instance?.receive(message.port, message.value);
      } catch (error) {
        this.nodeFailed(node, error, message);
      } finally {
        node.counters.observe(performance.now() - started);
        this.inFlight = null;
      }
      return;
    }
  }

  protected async finish(): Promise<void> {
    for (const node of this.nodes.values()) {
      await this.drain();
      if (!this.flowing()) return;
      try {
        await node.instance?.flush?.();
      } catch (error) {
        this.nodeFailed(node, error, undefined);
      }
    }
    await this.drain();
    // New input cannot arrive (ending), but a pause during a flush leaves work for resume.
    if (this.flowing() && this.inboxTotal === 0 && this.queue.depth === 0) this.transition("completed");
  }

  protected nodeFailed(node: NodeRuntime, error: unknown, message: Message | undefined): void {
    if (this.stopped()) return;
    node.counters.errors++;
    const described = describeNodeError(node.id, error, message?.port);
    const toPort = node.resolved.definition.onError === "port";
    this.events.emit("node-error", { executionId: this.id, node: node.id, code: described.code, message: described.message, handled: toPort ? "port" : "failed" });
    if (!toPort) {
      this.fail(described);
      return;
    }
    const payload = { node: node.id, code: described.code, message: described.message, ...(message ? { port: message.port, value: message.value } : {}) };
    try {
      this.emit(node, ERROR_PORT, payload);
    } catch (emitError) {
      this.fail(describeNodeError(node.id, emitError, ERROR_PORT));
    }
  }

  protected wakeIdle(): void {
    if (this.pumping) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Current counters of the execution and every node. */
  abstract metrics(): ExecutionMetrics;
}
