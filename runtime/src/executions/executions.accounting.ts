import type { ExecutionTelemetry } from "../telemetry/telemetry.js";
import type { Execution } from "./execution.js";
import type { ProgressEvent, StateEvent } from "./execution.events.js";
import type { ExecutionMetrics } from "./execution.metrics.js";
import { isTerminal, type ExecutionState } from "./execution.states.js";
import type { EngineLogger } from "./execution.types.js";

/** Counters summed over executions. */
interface Counts {
  messagesIn: number;
  messagesOut: number;
  inputsAccepted: number;
  inputsRefused: number;
  outputs: number;
}

const ZERO: Counts = Object.freeze({ messagesIn: 0, messagesOut: 0, inputsAccepted: 0, inputsRefused: 0, outputs: 0 });

/** The live states an engine holds executions in. */
export const LIVE_ENGINE_STATES = ["pending", "initializing", "running", "paused"] as const;
/** The states an execution ends in. */
export const TERMINAL_STATES = ["completed", "failed", "cancelled"] as const;

/**
 * What this engine has done since the process started (Prometheus reads it at each scrape).
 * Totals only grow: an execution resumed from a checkpoint counts from where it was resumed.
 */
export interface EngineStats {
  /** Executions live in this engine, by state. */
  executions: Record<(typeof LIVE_ENGINE_STATES)[number], number>;
  /** Executions that ended in this process, by final state. */
  ended: Record<(typeof TERMINAL_STATES)[number], number>;
  /** Values received by nodes / emitted by nodes. */
  messagesIn: number;
  messagesOut: number;
  /** Input values accepted into queues / refused with backpressure. */
  inputsAccepted: number;
  inputsRefused: number;
  /** Values that reached an execution output. */
  outputs: number;
  /** Input values waiting in the queues of live executions, and producers waiting for room. */
  queueDepth: number;
  queueWaiting: number;
}

/** Who an execution belongs to and where it came from, for telemetry. */
export interface TrackedMeta {
  createdBy: string;
  graphRef: string | null;
  traceId?: string;
}

/** The accounting of one live execution. */
export interface Tracked {
  readonly execution: Execution;
  /** Counters when it first ran in this process (a restored execution starts from its checkpoint's). */
  baseline: Counts | null;
  retired: boolean;
}

/**
 * Per-engine accounting of executions: process totals for Prometheus, and the telemetry seam
 * ({@link ExecutionTelemetry}) fed with every state change and per-node latency samples.
 */
export class ExecutionAccounting {
  private readonly tracked = new Set<Tracked>();
  private readonly retiredTotals: Counts = { ...ZERO };
  private readonly ended: EngineStats["ended"] = { completed: 0, failed: 0, cancelled: 0 };

  constructor(
    private readonly telemetry: ExecutionTelemetry | undefined,
    private readonly logger: EngineLogger,
  ) {}

  /**
   * Starts accounting for `execution` (call before it starts, so the first state change is seen).
   * A `restored` execution counts from its checkpoint's counters, taken when it first runs here.
   */
  track(execution: Execution, meta: TrackedMeta, restored: boolean): Tracked {
    const tracked: Tracked = { execution, baseline: restored ? null : { ...ZERO }, retired: false };
    this.tracked.add(tracked);
    const latency = new Map<string, { count: number; total: number }>();
    execution.events.on("state", (event) => this.onState(tracked, meta, event));
    if (this.telemetry) execution.events.on("progress", (event) => this.onProgress(execution, latency, event));
    return tracked;
  }

  /** Stops counting `tracked` as live; what it did stays in the totals. Idempotent. */
  retire(tracked: Tracked): void {
    if (tracked.retired) return;
    tracked.retired = true;
    this.tracked.delete(tracked);
    if (!tracked.baseline) return;
    const now = countsOf(tracked.execution.metrics());
    for (const key of Object.keys(this.retiredTotals) as (keyof Counts)[]) this.retiredTotals[key] += now[key] - tracked.baseline[key];
  }

  /** The engine's totals now. */
  stats(): EngineStats {
    const totals = { ...this.retiredTotals };
    const executions: EngineStats["executions"] = { pending: 0, initializing: 0, running: 0, paused: 0 };
    let queueDepth = 0;
    let queueWaiting = 0;
    for (const tracked of this.tracked) {
      const { execution } = tracked;
      const state = execution.state;
      if (state in executions) executions[state as keyof typeof executions]++;
      const metrics = execution.metrics();
      queueDepth += metrics.queue.depth;
      queueWaiting += metrics.queue.waiting;
      if (!tracked.baseline) continue;
      const now = countsOf(metrics);
      for (const key of Object.keys(totals) as (keyof Counts)[]) totals[key] += now[key] - tracked.baseline[key];
    }
    return { executions, ended: { ...this.ended }, ...totals, queueDepth, queueWaiting };
  }

  private onState(tracked: Tracked, meta: TrackedMeta, event: StateEvent): void {
    if (event.to === "running" && !tracked.baseline) tracked.baseline = countsOf(tracked.execution.metrics());
    if (isTerminal(event.to)) {
      this.ended[event.to as keyof EngineStats["ended"]]++;
      this.retire(tracked);
    }
    if (!this.telemetry) return;
    try {
      const metrics = isTerminal(event.to) ? tracked.execution.metrics() : null;
      this.telemetry.stateChanged({
        executionId: event.executionId,
        orgId: event.orgId,
        createdBy: meta.createdBy,
        graphRef: meta.graphRef,
        ...(meta.traceId ? { traceId: meta.traceId } : {}),
        from: event.from,
        to: event.to,
        at: event.at,
        ...(event.error ? { error: event.error } : {}),
        ...(metrics
          ? {
              span: {
                name: "runtime.execution" as const,
                startedAt: metrics.startedAt,
                endedAt: event.at,
                durationMs: metrics.durationMs,
                status: statusOf(event.to),
                metrics,
              },
            }
          : {}),
      });
    } catch (error) {
      this.logger.warn({ executionId: event.executionId, err: String(error) }, "execution telemetry failed");
    }
  }

  private onProgress(execution: Execution, last: Map<string, { count: number; total: number }>, event: ProgressEvent): void {
    const previous = last.get(event.node) ?? { count: 0, total: 0 };
    const count = event.latencyMs.count - previous.count;
    const total = event.latencyMs.total - previous.total;
    last.set(event.node, { count: event.latencyMs.count, total: event.latencyMs.total });
    if (count <= 0) return;
    try {
      this.telemetry?.nodeLatency({
        executionId: execution.id,
        orgId: execution.orgId,
        node: event.node,
        component: event.component,
        at: new Date(execution.clock.now()).toISOString(),
        count,
        avgMs: Math.round((total / count) * 1_000) / 1_000,
        maxMs: event.latencyMs.max,
        messagesIn: event.messagesIn,
        messagesOut: event.messagesOut,
        errors: event.errors,
        queueDepth: event.queueDepth,
      });
    } catch (error) {
      this.logger.warn({ executionId: execution.id, err: String(error) }, "execution telemetry failed");
    }
  }
}

function countsOf(metrics: ExecutionMetrics): Counts {
  let messagesIn = 0;
  let messagesOut = 0;
  for (const node of metrics.nodes) {
    messagesIn += node.messagesIn;
    messagesOut += node.messagesOut;
  }
  return { messagesIn, messagesOut, inputsAccepted: metrics.inputsAccepted, inputsRefused: metrics.inputsRefused, outputs: metrics.outputs };
}

function statusOf(state: ExecutionState): "ok" | "error" | "cancelled" {
  return state === "completed" ? "ok" : state === "cancelled" ? "cancelled" : "error";
}
