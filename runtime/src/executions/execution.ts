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
import { InputQueue } from "./input-queue.js";
import { describeNodeError, NodeRuntime, systemClock, type Clock, type Message, type NodeHost } from "./node-runtime.js";

/** An input value accepted into the queue, stamped with its acceptance order. */
export interface QueuedInput {
  sequence: number;
  node: string;
  port: string;
  value: unknown;
  bytes: number;
}

/** Where to inject: a node, and one of its open input ports (optional when it has exactly one). */
export interface InjectTarget {
  node: string;
  port?: string;
}

/**
 * Answer of {@link Execution.inject}: accepted with its sequence number, or refused because the
 * queue is full. A refused value was not taken: the caller still holds it and retries after
 * `retryAfterMs` (an HTTP route answers 429 with `Retry-After`).
 */
export type InjectResult =
  | { accepted: true; sequence: number; queueDepth: number }
  | { accepted: false; reason: "backpressure"; retryAfterMs: number; queueDepth: number; capacity: number };

/** A value that reached an open output port. */
export interface OutputRecord {
  index: number;
  node: string;
  port: string;
  value: unknown;
}

/**
 * Everything needed to continue an execution elsewhere: component states, values in flight,
 * the input queue, counters and kept outputs. Plain JSON.
 */
export interface ExecutionSnapshot {
  format: 1;
  state: "running" | "paused";
  ending: boolean;
  sequence: number;
  startedAt: string | null;
  queue: QueuedInput[];
  inboxes: Record<string, Message[]>;
  nodes: Record<string, unknown>;
  counters: {
    nodes: Record<string, Record<string, number>>;
    inputsAccepted: number;
    inputsRefused: number;
    inputsWaited: number;
    outputCount: number;
  };
  outputs: OutputRecord[];
}

/** Engine logger (pino's shape). */
export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What an {@link Execution} is built from. */
export interface ExecutionInit {
  id: string;
  orgId: string;
  graph: ValidatedGraph;
  options?: Partial<ExecutionOptions>;
  clock?: Clock;
  logger?: EngineLogger;
  /** Continue from this checkpoint instead of starting empty. */
  restore?: ExecutionSnapshot;
}

const EMISSION_VALUE_LIMIT = 4 * 1024;
// Longest stretch the pump runs before letting timers and I/O in, in ms.
const SLICE_MS = 10;

/**
 * One run of a validated graph. Values injected at open input ports wait in a bounded queue,
 * then flow through the nodes in topological order: one input at a time is carried through the
 * whole graph (every inbox drained in Kahn order) before the next enters, so in-flight data stays
 * small and per-edge order is kept. Each value is checked against the JSON Schema of every port it
 * crosses. A node failure goes to the node's error port (`onError: "port"`) or fails the
 * execution. Pausing stops the flow; the queue keeps accepting up to its bounds, then `inject`
 * answers with backpressure (`injectWait` waits in line). Resume drains in order.
 */
export class Execution implements NodeHost {
  readonly id: string;
  readonly orgId: string;
  readonly graph: ValidatedGraph;
  readonly options: ExecutionOptions;
  readonly clock: Clock;
  readonly events: ExecutionEvents;
  readonly sandboxLimits: ExecutionOptions["sandbox"];
  private currentState: ExecutionState = "pending";
  private failure: ExecutionError | null = null;
  private readonly nodes = new Map<string, NodeRuntime>();
  private readonly queue: InputQueue<QueuedInput>;
  private readonly abort = new AbortController();
  private readonly logger: EngineLogger | undefined;
  private restoreFrom: ExecutionSnapshot | undefined;
  private sequence = 0;
  private ending = false;
  private pumping = false;
  private inFlight: { node: string; message: Message } | null = null;
  private inboxTotal = 0;
  private inputsRefused = 0;
  private inputsWaited = 0;
  private inputsDiscarded = 0;
  private outputList: OutputRecord[] = [];
  private outputCount = 0;
  private avgInputMs = 0;
  private startedAt: number | null = null;
  private endedAt: number | null = null;
  private ticker: unknown = null;
  private lastProgress = new Map<string, string>();
  private idleWaiters: Array<() => void> = [];
  private settledWaiters: Array<(state: ExecutionState) => void> = [];

  constructor(init: ExecutionInit) {
    this.id = init.id;
    this.orgId = init.orgId;
    this.graph = init.graph;
    this.options = resolveOptions(DEFAULT_EXECUTION_OPTIONS, init.options);
    this.sandboxLimits = this.options.sandbox;
    this.clock = init.clock ?? systemClock;
    this.logger = init.logger;
    this.restoreFrom = init.restore;
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

  /** True once no more input is accepted and the execution completes when drained. */
  get inputEnded(): boolean {
    return this.ending;
  }

  /**
   * pending → initializing → running (or paused, when restored from a paused checkpoint): creates
   * every component instance (compiling sandboxes) and applies the checkpoint if any. A component
   * that cannot start fails the execution (the promise still resolves; read `state` and `error`).
   * @throws InvalidTransitionError when not pending.
   */
  async start(): Promise<void> {
    this.transition("initializing");
    let creating = "";
    try {
      for (const node of this.nodes.values()) {
        creating = node.id;
        await node.create();
        if (isTerminal(this.currentState)) return;
      }
      creating = "";
      if (this.restoreFrom) this.applySnapshot(this.restoreFrom);
    } catch (error) {
      if (!isTerminal(this.currentState)) {
        const described = creating ? describeNodeError(creating, error) : { code: "restore_failed", message: error instanceof Error ? error.message : String(error) };
        this.fail({ ...described, code: creating ? `initialization_failed:${described.code}` : described.code });
      }
      return;
    }
    if (isTerminal(this.currentState)) return;
    const resumePaused = this.restoreFrom?.state === "paused";
    this.startedAt ??= this.clock.now();
    this.restoreFrom = undefined;
    this.transition("running");
    // Restored from a paused checkpoint: paused again before anything flows.
    if (resumePaused) this.transition("paused");
    this.armTicker();
    this.schedule();
  }

  /**
   * Offers `value` to an open input port. Never waits: when the queue is full (or others are
   * waiting for room) the answer is backpressure and the value is not taken.
   * @throws AppError `validation_failed` (unknown node or port, port fed by an edge, value not
   *   matching the port's type, not JSON), `payload_too_large`, `conflict` (execution ended or
   *   its input closed).
   */
  inject(target: InjectTarget, value: unknown): InjectResult {
    const item = this.prepareInput(target, value);
    if (this.queue.offer(item)) {
      this.schedule();
      return { accepted: true, sequence: item.sequence, queueDepth: this.queue.depth };
    }
    this.inputsRefused++;
    const retryAfterMs = this.retryAfterMs();
    this.events.emit("backpressure", { executionId: this.id, queueDepth: this.queue.depth, capacity: this.queue.capacity, retryAfterMs, waited: false });
    return { accepted: false, reason: "backpressure", retryAfterMs, queueDepth: this.queue.depth, capacity: this.queue.capacity };
  }

  /**
   * Like {@link inject}, but waits in line for room instead of refusing. Producers that wait are
   * admitted in the order they called.
   * @throws as {@link inject}; rejects when `signal` aborts or the execution ends first.
   */
  async injectWait(target: InjectTarget, value: unknown, signal?: AbortSignal): Promise<{ sequence: number; queueDepth: number }> {
    const item = this.prepareInput(target, value);
    if (!this.queue.offer(item)) {
      this.inputsWaited++;
      this.events.emit("backpressure", { executionId: this.id, queueDepth: this.queue.depth, capacity: this.queue.capacity, retryAfterMs: this.retryAfterMs(), waited: true });
      await this.queue.enqueueWhenRoom(item, signal);
    }
    this.schedule();
    return { sequence: item.sequence, queueDepth: this.queue.depth };
  }

  /** running → paused: the flow stops after the value being processed; input keeps queueing up to the bound. */
  pause(): void {
    this.transition("paused");
  }

  /** paused → running: drains the queue in order. */
  resume(): void {
    this.transition("running");
    this.schedule();
  }

  /** Any live state → cancelled: stops at once; queued inputs are discarded and counted. */
  cancel(): void {
    this.transition("cancelled");
  }

  /**
   * Closes the input: no more values are accepted, and once everything queued has flowed through
   * and every node has flushed (partial windows, delayed values), the execution completes.
   * @throws AppError `conflict` when already ended or terminal.
   */
  end(): void {
    if (isTerminal(this.currentState)) throw new AppError("conflict", `execution is ${this.currentState}`);
    if (this.ending) throw new AppError("conflict", "execution input is already closed");
    this.ending = true;
    this.queue.rejectWaiters(new AppError("conflict", "execution input was closed"));
    this.schedule();
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

  /** Outputs kept so far (the last `maxOutputs`), in order. */
  outputs(): OutputRecord[] {
    return this.outputList.slice(-this.options.maxOutputs || this.outputList.length);
  }

  /** Current counters of the execution and every node. */
  metrics(): ExecutionMetrics {
    const now = this.clock.now();
    const end = this.endedAt ?? now;
    return {
      executionId: this.id,
      state: this.currentState,
      inputsAccepted: this.sequence,
      inputsRefused: this.inputsRefused,
      inputsWaited: this.inputsWaited,
      inputsDiscarded: this.inputsDiscarded,
      queue: {
        depth: this.queue.depth,
        bytes: this.queue.bytes,
        capacity: this.queue.capacity,
        byteLimit: this.queue.byteLimit,
        maxDepth: this.queue.maxDepth,
        maxBytes: this.queue.maxBytes,
        waiting: this.queue.waiting,
      },
      outputs: this.outputCount,
      outputsEvicted: Math.max(0, this.outputCount - Math.min(this.outputCount, this.options.maxOutputs)),
      startedAt: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      endedAt: this.endedAt === null ? null : new Date(this.endedAt).toISOString(),
      durationMs: this.startedAt === null ? null : end - this.startedAt,
      nodes: [...this.nodes.values()].map((n) => n.counters.view(n.inbox.length)),
    };
  }

  /**
   * A checkpoint of a running or paused execution. The value being processed (if any) is put
   * back at the head of its inbox, so a restore processes it again: delivery is at least once.
   * @throws AppError `conflict` in any other state.
   */
  snapshot(): ExecutionSnapshot {
    if (this.currentState !== "running" && this.currentState !== "paused") throw new AppError("conflict", `cannot checkpoint a ${this.currentState} execution`);
    const inboxes: Record<string, Message[]> = {};
    const states: Record<string, unknown> = {};
    const counters: Record<string, Record<string, number>> = {};
    for (const node of this.nodes.values()) {
      const pending = this.inFlight?.node === node.id ? [this.inFlight.message, ...node.inbox] : [...node.inbox];
      if (pending.length > 0) inboxes[node.id] = pending;
      const state = node.instance?.checkpoint?.();
      if (state !== undefined) states[node.id] = structuredClone(state);
      counters[node.id] = node.counters.save();
    }
    return {
      format: 1,
      state: this.currentState,
      ending: this.ending,
      sequence: this.sequence,
      startedAt: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      queue: this.queue.snapshot().map((item) => ({ ...item })),
      inboxes,
      nodes: states,
      counters: { nodes: counters, inputsAccepted: this.sequence, inputsRefused: this.inputsRefused, inputsWaited: this.inputsWaited, outputCount: this.outputCount },
      outputs: this.outputs(),
    };
  }

  // ---- NodeHost ----

  stopped(): boolean {
    return isTerminal(this.currentState);
  }

  emit(node: NodeRuntime, port: string, value: unknown): void {
    if (isTerminal(this.currentState)) return;
    const spec = node.resolved.outputs.get(port);
    if (!spec) throw new AppError("internal", `component ${node.resolved.definition.component} emitted on unknown port ${port}`);
    this.check(node.id, spec, "output", value);
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

  // ---- internals ----

  private transition(to: ExecutionState, error?: ExecutionError): void {
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

  private fail(error: ExecutionError): void {
    if (isTerminal(this.currentState)) return;
    this.failure = error;
    this.logger?.warn({ executionId: this.id, orgId: this.orgId, node: error.node, code: error.code }, "execution failed");
    this.transition("failed", error);
  }

  private teardown(): void {
    this.endedAt = this.clock.now();
    this.abort.abort(new AppError("conflict", `execution ${this.currentState}`));
    if (this.ticker !== null) this.clock.clearTimeout(this.ticker);
    this.ticker = null;
    this.queue.rejectWaiters(new AppError("conflict", `execution ${this.currentState}`));
    this.inputsDiscarded += this.queue.clear();
    for (const node of this.nodes.values()) {
      try {
        node.dispose();
      } catch (error) {
        this.logger?.warn({ executionId: this.id, node: node.id, err: String(error) }, "node dispose failed");
      }
    }
  }

  private prepareInput(target: InjectTarget, value: unknown): QueuedInput {
    if (isTerminal(this.currentState)) throw new AppError("conflict", `execution is ${this.currentState}; it takes no more input`);
    if (this.ending) throw new AppError("conflict", "execution input is closed");
    const endpoint = this.openInput(target);
    if (value === undefined) throw new AppError("validation_failed", "value is required");
    let bytes: number;
    try {
      bytes = jsonBytes(value);
    } catch (error) {
      throw new AppError("validation_failed", `value is not JSON: ${(error as Error).message}`);
    }
    const limit = Math.min(this.options.maxValueBytes, this.options.queueMaxBytes);
    if (bytes > limit) throw new AppError("payload_too_large", `value is ${bytes} bytes; the limit is ${limit}`, { bytes, limit });
    const spec = this.graph.nodes.get(endpoint.node)?.inputs.get(endpoint.port) as PortSpec;
    this.check(endpoint.node, spec, "input", value);
    return { sequence: 0, node: endpoint.node, port: endpoint.port, value, bytes };
  }

  private openInput(target: InjectTarget): Endpoint {
    const open = this.graph.openInputs.filter((e) => e.node === target.node);
    if (!this.graph.nodes.has(target.node)) throw new AppError("validation_failed", `unknown node "${target.node}"`, { node: target.node });
    if (target.port === undefined) {
      if (open.length === 1) return open[0] as Endpoint;
      throw new AppError("validation_failed", `node "${target.node}" has ${open.length} open input ports; name one`, { node: target.node, openInputs: open.map((e) => e.port) });
    }
    const found = open.find((e) => e.port === target.port);
    if (!found) {
      throw new AppError("validation_failed", `${target.node}.${target.port} is not an open input port`, {
        node: target.node,
        port: target.port,
        openInputs: this.graph.openInputs.map((e) => `${e.node}.${e.port}`),
      });
    }
    return found;
  }

  private check(node: string, spec: PortSpec, direction: "input" | "output", value: unknown): void {
    const issues = validateValue(spec.schema, value);
    if (issues.length > 0) throw new PortValueError(node, spec.name, direction, issues);
  }

  private deliver(target: Endpoint, value: unknown): void {
    const node = this.nodes.get(target.node) as NodeRuntime;
    node.inbox.push({ port: target.port, value });
    this.inboxTotal++;
    if (node.inbox.length > node.counters.maxQueueDepth) node.counters.maxQueueDepth = node.inbox.length;
  }

  private collect(node: string, port: string, value: unknown): void {
    const record: OutputRecord = { index: this.outputCount++, node, port, value };
    if (this.options.maxOutputs > 0) {
      this.outputList.push(record);
      if (this.outputList.length >= this.options.maxOutputs * 2) this.outputList.splice(0, this.outputList.length - this.options.maxOutputs);
    }
    this.events.emit("output", { executionId: this.id, ...record });
  }

  private emitSample(node: string, port: string, count: number, value: unknown): void {
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

  private hasWork(): boolean {
    return this.inboxTotal > 0 || this.queue.depth > 0 || this.ending;
  }

  private schedule(): void {
    if (this.pumping || this.currentState !== "running") return;
    void this.pump();
  }

  // One loop per execution: drain inboxes in topological order; when all are empty, let the next
  // queued input in; when input has ended and all is drained, flush nodes in order and complete.
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      let inputStartedAt: number | null = null;
      let sliceStartedAt = performance.now();
      while (this.currentState === "running") {
        if (performance.now() - sliceStartedAt > SLICE_MS) {
          await yieldToEventLoop();
          sliceStartedAt = performance.now();
          continue;
        }
        if (this.inboxTotal > 0) {
          await this.processNext();
          continue;
        }
        if (inputStartedAt !== null) {
          const took = performance.now() - inputStartedAt;
          this.avgInputMs = this.avgInputMs === 0 ? took : this.avgInputMs * 0.8 + took * 0.2;
          inputStartedAt = null;
        }
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

  private async processNext(): Promise<void> {
    for (const node of this.nodes.values()) {
      const message = node.inbox.shift();
      if (!message) continue;
      this.inboxTotal--;
      this.inFlight = { node: node.id, message };
      node.counters.messagesIn++;
      const started = performance.now();
      try {
        this.check(node.id, node.resolved.inputs.get(message.port) as PortSpec, "input", message.value);
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

  private async finish(): Promise<void> {
    for (const node of this.nodes.values()) {
      while (this.inboxTotal > 0 && this.currentState === "running") await this.processNext();
      if (this.currentState !== "running") return;
      try {
        await node.instance?.flush?.();
      } catch (error) {
        this.nodeFailed(node, error, undefined);
      }
    }
    while (this.inboxTotal > 0 && this.currentState === "running") await this.processNext();
    // New input cannot arrive (ending), but a pause during a flush leaves work for resume.
    if (this.currentState === "running" && this.inboxTotal === 0 && this.queue.depth === 0) this.transition("completed");
  }

  private nodeFailed(node: NodeRuntime, error: unknown, message: Message | undefined): void {
    if (isTerminal(this.currentState)) return;
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

  private retryAfterMs(): number {
    if (this.currentState !== "running") return this.options.pausedRetryAfterMs;
    // Time to drain about a tenth of the queue at the measured pace, within [10 ms, 10 s].
    const estimate = Math.ceil(Math.max(this.avgInputMs, 0.1) * Math.max(1, Math.ceil(this.queue.capacity / 10)));
    return Math.min(10_000, Math.max(10, estimate));
  }

  private armTicker(): void {
    if (this.options.metricsIntervalMs <= 0 || isTerminal(this.currentState)) return;
    this.ticker = this.clock.setTimeout(() => {
      this.ticker = null;
      if (isTerminal(this.currentState)) return;
      this.tick();
      this.armTicker();
    }, this.options.metricsIntervalMs);
    (this.ticker as { unref?: () => void } | null)?.unref?.();
  }

  /** Sends `metrics` and, for nodes whose counters moved, `progress`. */
  tick(): void {
    const metrics = this.metrics();
    this.events.emit("metrics", metrics);
    for (const node of metrics.nodes) {
      const signature = `${node.messagesIn}/${node.messagesOut}/${node.errors}/${node.queueDepth}`;
      if (this.lastProgress.get(node.node) === signature) continue;
      this.lastProgress.set(node.node, signature);
      this.events.emit("progress", { executionId: this.id, ...node });
    }
  }

  private applySnapshot(snapshot: ExecutionSnapshot): void {
    if (snapshot.format !== 1) throw new Error(`unknown checkpoint format ${String(snapshot.format)}`);
    for (const [id, state] of Object.entries(snapshot.nodes)) {
      const node = this.nodes.get(id);
      if (!node) throw new Error(`checkpoint has state for unknown node "${id}"`);
      node.instance?.restore?.(structuredClone(state));
    }
    for (const [id, messages] of Object.entries(snapshot.inboxes)) {
      const node = this.nodes.get(id);
      if (!node) throw new Error(`checkpoint has values for unknown node "${id}"`);
      for (const message of messages) this.deliver({ node: id, port: message.port }, message.value);
    }
    for (const [id, saved] of Object.entries(snapshot.counters.nodes)) this.nodes.get(id)?.counters.load(saved);
    this.queue.restore(snapshot.queue);
    this.sequence = snapshot.sequence;
    this.inputsRefused = snapshot.counters.inputsRefused;
    this.inputsWaited = snapshot.counters.inputsWaited;
    this.outputCount = snapshot.counters.outputCount;
    this.outputList = [...snapshot.outputs];
    this.ending = snapshot.ending;
    this.startedAt = snapshot.startedAt === null ? null : Date.parse(snapshot.startedAt);
  }

  private wakeIdle(): void {
    if (this.pumping) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
