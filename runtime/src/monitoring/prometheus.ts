import { Counter, Gauge, type Registry } from "prom-client";
import type { ExecutionService } from "../executions/executions.service.js";
import type { ExecutionMonitor } from "./execution-monitor.js";

/**
 * Registers runtime's Prometheus metrics on the server's registry. Every value is read from the
 * engine at scrape time (`ExecutionService.stats()`), so the hot path counts nothing twice.
 * Counters count since the process started (a resumed execution counts from its resume).
 */
export function registerRuntimeMetrics(registry: Registry, executions: ExecutionService, monitor: ExecutionMonitor): void {
  // One stats() per scrape, shared by every metric's collect().
  let cached: { at: number; stats: ReturnType<ExecutionService["stats"]> } | null = null;
  const stats = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 100) cached = { at: now, stats: executions.stats() };
    return cached.stats;
  };
  const setCounter = (counter: Counter<string>, value: number, labels?: Record<string, string>) => {
    // prom-client counters only go up: reset then add the engine's running total.
    if (labels) {
      counter.remove(labels);
      counter.inc(labels, value);
    } else {
      counter.reset();
      counter.inc(value);
    }
  };
  new Gauge({
    name: "runtime_executions",
    help: "Executions live in this engine, by state",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      for (const [state, count] of Object.entries(stats().executions)) this.set({ state }, count);
    },
  });
  new Counter({
    name: "runtime_executions_ended_total",
    help: "Executions that ended in this process, by final state",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      for (const [state, count] of Object.entries(stats().ended)) setCounter(this, count, { state });
    },
  });
  new Counter({ name: "runtime_messages_in_total", help: "Values received by nodes", registers: [registry], collect() { setCounter(this, stats().messagesIn); } });
  new Counter({ name: "runtime_messages_out_total", help: "Values emitted by nodes", registers: [registry], collect() { setCounter(this, stats().messagesOut); } });
  new Counter({
    name: "runtime_inputs_total",
    help: "Values offered to executions' inputs: accepted into the queue, or refused with backpressure (429)",
    labelNames: ["result"] as const,
    registers: [registry],
    collect() {
      setCounter(this, stats().inputsAccepted, { result: "accepted" });
      setCounter(this, stats().inputsRefused, { result: "refused" });
    },
  });
  new Counter({ name: "runtime_outputs_total", help: "Values that reached an execution output", registers: [registry], collect() { setCounter(this, stats().outputs); } });
  new Gauge({ name: "runtime_queue_depth", help: "Input values waiting in the queues of live executions", registers: [registry], collect() { this.set(stats().queueDepth); } });
  new Gauge({ name: "runtime_queue_waiting_producers", help: "Inject calls waiting for room (?wait=true)", registers: [registry], collect() { this.set(stats().queueWaiting); } });
  new Gauge({ name: "runtime_watched_executions", help: "Executions with a Socket.IO monitoring room", registers: [registry], collect() { this.set(monitor.watched); } });
}
