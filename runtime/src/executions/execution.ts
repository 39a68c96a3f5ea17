import { AppError } from "@symbia/sys";
import type { PortSpec } from "../components/manifest.js";
import { jsonBytes } from "../components/builtins/shared.js";
import type { Endpoint } from "../graphs/graph.validate.js";
import { checkPortValue, ExecutionFlow } from "./execution.flow.js";
import type { ExecutionMetrics } from "./execution.metrics.js";
import { isTerminal } from "./execution.states.js";
import type { ExecutionInit, ExecutionSnapshot, InjectResult, InjectTarget, QueuedInput } from "./execution.types.js";
import { describeNodeError, type Message } from "./node-runtime.js";
import type { OutputRecord } from "./output-buffer.js";

export type { EngineLogger, ExecutionInit, ExecutionSnapshot, InjectResult, InjectTarget, QueuedInput } from "./execution.types.js";
export type { OutputRecord } from "./output-buffer.js";

/**
 * One run of a validated graph. Values injected at open input ports wait in a bounded queue,
 * then flow through the nodes in topological order: one input at a time is carried through the
 * whole graph (every inbox drained in Kahn order) before the next enters, so in-flight data stays
 * small and per-edge order is kept. Each value is checked against the JSON Schema of every port it
 * crosses. A node failure goes to the node's error port (`onError: "port"`) or fails the
 * execution. Pausing stops the flow; the queue keeps accepting up to its bounds, then `inject`
 * answers with backpressure (`injectWait` waits in line). Resume drains in order.
 */
export class Execution extends ExecutionFlow {
  private restoreFrom: ExecutionSnapshot | undefined;
  private inputsRefused = 0;
  private inputsWaited = 0;
  private lastProgress = new Map<string, string>();

  constructor(init: ExecutionInit) {
    super(init);
    this.restoreFrom = init.restore;
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
    if (this.detached) throw new AppError("unavailable", "execution was handed over (service stopping)");
    if (isTerminal(this.currentState)) throw new AppError("conflict", `execution is ${this.currentState}`);
    if (this.ending) throw new AppError("conflict", "execution input is already closed");
    this.ending = true;
    this.queue.rejectWaiters(new AppError("conflict", "execution input was closed"));
    this.schedule();
  }

  /** Outputs kept so far (the most recent, within `maxOutputs` and `maxOutputBytes`), in order. */
  outputs(): OutputRecord[] {
    return this.outputBuffer.list();
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
      outputs: this.outputBuffer.count,
      outputsEvicted: this.outputBuffer.evicted,
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
      const inFlight = this.inFlight?.node === node.id ? this.inFlight.message : null;
      const pending = inFlight ? [inFlight, ...node.inbox] : [...node.inbox];
      if (pending.length > 0) inboxes[node.id] = pending;
      const state = node.instance?.checkpoint?.();
      if (state !== undefined) states[node.id] = structuredClone(state);
      const saved = node.counters.save();
      // The value in flight goes back to the inbox: it will be counted again when re-received.
      if (inFlight) saved.messagesIn = (saved.messagesIn ?? 1) - 1;
      counters[node.id] = saved;
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
      counters: { nodes: counters, inputsAccepted: this.sequence, inputsRefused: this.inputsRefused, inputsWaited: this.inputsWaited, outputCount: this.outputBuffer.count },
      outputs: this.outputs(),
    };
  }

  /**
   * Lets go of a running or paused execution without changing its state, for a service that is
   * stopping: takes a checkpoint, then stops the flow, timers and sandboxes. Another engine
   * resumes it from the checkpoint. Afterwards every call on this object answers 503
   * `unavailable`, and {@link whenSettled} resolves with the state it was detached in.
   * @throws AppError `conflict` when not running or paused.
   */
  detach(): ExecutionSnapshot {
    const snapshot = this.snapshot();
    this.detached = true;
    this.release(new AppError("unavailable", "execution was handed over (service stopping)"));
    for (const resolve of this.settledWaiters.splice(0)) resolve(this.currentState);
    this.wakeIdle();
    return snapshot;
  }

  /** True once {@link detach} let go of this execution. */
  get isDetached(): boolean {
    return this.detached;
  }

  private prepareInput(target: InjectTarget, value: unknown): QueuedInput {
    if (this.detached) throw new AppError("unavailable", "execution was handed over (service stopping)");
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
    checkPortValue(endpoint.node, spec, "input", value);
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
    this.outputBuffer.restore(snapshot.outputs, snapshot.counters.outputCount);
    this.ending = snapshot.ending;
    this.startedAt = snapshot.startedAt === null ? null : Date.parse(snapshot.startedAt);
  }
}
