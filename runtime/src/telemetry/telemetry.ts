import type { ExecutionError } from "../executions/execution.events.js";
import type { ExecutionMetrics } from "../executions/execution.metrics.js";
import type { ExecutionState } from "../executions/execution.states.js";
import type { EngineLogger } from "../executions/execution.types.js";

/** An execution's state change, as telemetry sees it. Times are ISO 8601 UTC. */
export interface ExecutionStateTelemetry {
  executionId: string;
  orgId: string;
  /** Principal that created the execution. */
  createdBy: string;
  /** Catalog reference of the graph (`graphs/<name>@<version>`), when it came from catalog. */
  graphRef: string | null;
  /** Trace id of the request that created the execution, when this process saw it. */
  traceId?: string;
  from: ExecutionState;
  to: ExecutionState;
  at: string;
  error?: ExecutionError;
  /**
   * On a terminal state: the execution as one span (`runtime.execution`), from the first time it
   * ran to its end, with its final metrics.
   */
  span?: {
    name: "runtime.execution";
    startedAt: string | null;
    endedAt: string;
    durationMs: number | null;
    status: "ok" | "error" | "cancelled";
    metrics: ExecutionMetrics;
  };
}

/**
 * One node's latency since the previous sample (taken every `metricsIntervalMs`, for nodes that
 * handled values meanwhile). Latency is the time the component's `receive` took, in ms.
 */
export interface NodeLatencySample {
  executionId: string;
  orgId: string;
  node: string;
  component: string;
  at: string;
  /** Values the node handled since the previous sample. */
  count: number;
  /** Mean `receive` time over those values, ms. */
  avgMs: number;
  /** Longest `receive` time over the node's life, ms. */
  maxMs: number;
  /** Cumulative counters at the time of the sample. */
  messagesIn: number;
  messagesOut: number;
  errors: number;
  queueDepth: number;
}

/**
 * Where runtime sends its execution telemetry: state changes (a span per execution when it ends)
 * and per-node latency. Calls are synchronous and must never throw or block: an implementation
 * buffers and ships in the background (the `@symbia/logging-client` contract: batched, bounded,
 * counts what it drops). `flush` runs in the shutdown's telemetry phase.
 *
 * `loggingExecutionTelemetry` (telemetry/logging.ts) implements it over `@symbia/logging-client`;
 * `buildDeps` sends to both it and {@link loggedExecutionTelemetry} when telemetry is enabled.
 */
export interface ExecutionTelemetry {
  stateChanged(event: ExecutionStateTelemetry): void;
  nodeLatency(sample: NodeLatencySample): void;
  /** Sends what is buffered. */
  flush(): Promise<void>;
}

/**
 * Execution telemetry as runtime's own log lines: state changes (and the span of an ended
 * execution) at info level, latency samples at debug level.
 */
export function loggedExecutionTelemetry(logger: EngineLogger & { debug?(obj: object, msg?: string): void }): ExecutionTelemetry {
  return {
    stateChanged(event) {
      const { span, ...rest } = event;
      logger.info({ ...rest, ...(span ? { span: { ...span, metrics: undefined }, inputsAccepted: span.metrics.inputsAccepted, outputs: span.metrics.outputs } : {}) }, "execution state");
    },
    nodeLatency(sample) {
      logger.debug?.({ ...sample }, "node latency");
    },
    async flush() {},
  };
}
