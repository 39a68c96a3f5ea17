import { randomBytes } from "node:crypto";
import type { LoggingClient } from "@symbia/logging-client";
import type { ExecutionTelemetry } from "./telemetry.js";

/** A trace id for an execution whose creating request's trace is unknown (32 hex, W3C shape). */
const newTraceId = () => randomBytes(16).toString("hex");
/** A span id (16 hex, never all zeros: W3C Trace Context). */
const newSpanId = () => {
  for (;;) {
    const id = randomBytes(8).toString("hex");
    if (id !== "0000000000000000") return id;
  }
};

/**
 * Execution telemetry shipped to the logging service through `@symbia/logging-client`:
 * - every state change → a log line (`info`, `error` for `failed`) in the execution's org, with the
 *   execution id as run id and the creating request's trace id;
 * - a terminal state → one span `runtime.execution` (start = first run, end = the terminal state)
 *   with the execution's counters as attributes;
 * - every node latency sample → metric points `runtime_node_latency_ms` (mean) and
 *   `runtime_node_queue_depth`, labelled by node and component.
 * Calls never throw or block: the client queues (bounded) and counts what it drops.
 */
export function loggingExecutionTelemetry(client: LoggingClient): ExecutionTelemetry {
  const traces = new Map<string, string>();
  const traceOf = (executionId: string, traceId?: string) => {
    const known = traceId ?? traces.get(executionId) ?? newTraceId();
    traces.set(executionId, known);
    return known;
  };
  return {
    stateChanged(event) {
      const traceId = traceOf(event.executionId, event.traceId);
      client.log({
        orgId: event.orgId,
        level: event.to === "failed" ? "error" : "info",
        message: `execution ${event.from} → ${event.to}`,
        timestamp: event.at,
        traceId,
        runId: event.executionId,
        fields: {
          executionId: event.executionId,
          from: event.from,
          to: event.to,
          createdBy: event.createdBy,
          ...(event.graphRef ? { graphRef: event.graphRef } : {}),
          ...(event.error ? { error: event.error.message, errorNode: event.error.node ?? null } : {}),
        },
      });
      if (!event.span) return;
      const { span } = event;
      traces.delete(event.executionId);
      client.span({
        orgId: event.orgId,
        traceId,
        spanId: newSpanId(),
        name: span.name,
        kind: "internal",
        startTime: span.startedAt ?? span.endedAt,
        endTime: span.endedAt,
        ...(span.durationMs !== null ? { durationMs: span.durationMs } : {}),
        status: span.status === "error" ? "error" : "ok",
        ...(event.error ? { statusMessage: event.error.message.slice(0, 1024) } : {}),
        runId: event.executionId,
        attributes: {
          "runtime.execution.id": event.executionId,
          "runtime.execution.status": span.status,
          "runtime.inputs_accepted": span.metrics.inputsAccepted,
          "runtime.outputs": span.metrics.outputs,
          ...(event.graphRef ? { "runtime.graph.ref": event.graphRef } : {}),
        },
      });
    },
    nodeLatency(sample) {
      const labels = { node: sample.node, component: sample.component, executionId: sample.executionId };
      client.metric({ orgId: sample.orgId, name: "runtime_node_latency_ms", value: sample.avgMs, unit: "ms", labels, timestamp: sample.at });
      client.metric({ orgId: sample.orgId, name: "runtime_node_queue_depth", value: sample.queueDepth, labels, timestamp: sample.at });
    },
    flush: () => client.flush(),
  };
}

/** Sends every call to each of `sinks` (the local log and logging, say). */
export function teeExecutionTelemetry(...sinks: ExecutionTelemetry[]): ExecutionTelemetry {
  return {
    stateChanged: (event) => sinks.forEach((s) => s.stateChanged(event)),
    nodeLatency: (sample) => sinks.forEach((s) => s.nodeLatency(sample)),
    flush: async () => void (await Promise.all(sinks.map((s) => s.flush()))),
  };
}
