import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ModelManager } from "./models/models.service.js";

/**
 * Registers the models service's Prometheus metrics on the server's registry (served at `/metrics`):
 * - `models_slots_in_use`, `models_slots`, `models_queue_depth`, `models_memory_estimated_bytes`
 *   (gauges per loaded model, read at scrape time) and `models_memory_limit_bytes`;
 * - `models_prompt_tokens_total`, `models_completion_tokens_total` (counters; `rate()` gives tokens/s);
 * - `models_tokens_per_second` (gauge: completion tokens per second of the latest generation, prompt
 *   evaluation included) and `models_generation_tokens_per_second` (histogram of the same per request);
 * - `models_requests_total{operation,outcome}` (ok, cancelled, error), `models_rejected_total{reason}`
 *   (queue full → 429, queue timeout → 503), `models_worker_restarts_total`.
 */
export function registerModelMetrics(registry: Registry, manager: ModelManager): void {
  const registers = [registry];
  const perModel = (name: string, help: string, pick: (s: ReturnType<ModelManager["snapshot"]>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["model"] as const,
      registers,
      collect() {
        this.reset();
        for (const s of manager.snapshot()) this.set({ model: s.model }, pick(s));
      },
    });
  perModel("models_slots_in_use", "Slots generating right now, per loaded model", (s) => s.slotsInUse);
  perModel("models_slots", "Parallel slots of each loaded model", (s) => s.slots);
  perModel("models_queue_depth", "Requests waiting for a slot, per loaded model", (s) => s.queueDepth);
  perModel("models_memory_estimated_bytes", "Estimated memory charged to each loaded model, in bytes", (s) => s.estimatedMemoryBytes);
  new Gauge({ name: "models_memory_limit_bytes", help: "Memory budget of all loaded models (MODELS_MEMORY_LIMIT_BYTES)", registers }).set(manager.settings.memoryLimitBytes);

  const promptTokens = new Counter({ name: "models_prompt_tokens_total", help: "Prompt tokens evaluated", labelNames: ["model", "operation"] as const, registers });
  const completionTokens = new Counter({ name: "models_completion_tokens_total", help: "Tokens generated", labelNames: ["model"] as const, registers });
  const lastRate = new Gauge({ name: "models_tokens_per_second", help: "Completion tokens per second of the latest generation (prompt evaluation included)", labelNames: ["model"] as const, registers });
  const rate = new Histogram({
    name: "models_generation_tokens_per_second",
    help: "Completion tokens per second of each generation (prompt evaluation included)",
    labelNames: ["model"] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    registers,
  });
  const requests = new Counter({ name: "models_requests_total", help: "Inference requests that reached a slot, by outcome", labelNames: ["model", "operation", "outcome"] as const, registers });
  const rejected = new Counter({ name: "models_rejected_total", help: "Requests refused for want of a slot (queue_full → 429, queue_timeout → 503)", labelNames: ["model", "reason"] as const, registers });
  const restarts = new Counter({ name: "models_worker_restarts_total", help: "Model worker processes that ended unexpectedly", labelNames: ["model"] as const, registers });

  manager.on("inference", (e) => {
    requests.inc({ model: e.model, operation: e.operation, outcome: e.outcome });
    if (e.promptTokens) promptTokens.inc({ model: e.model, operation: e.operation }, e.promptTokens);
    if (e.operation !== "chat" || e.outcome === "error") return;
    if (e.completionTokens) completionTokens.inc({ model: e.model }, e.completionTokens);
    if (e.completionTokens > 0 && e.durationMs > 0) {
      const perSecond = e.completionTokens / (e.durationMs / 1000);
      lastRate.set({ model: e.model }, perSecond);
      rate.observe({ model: e.model }, perSecond);
    }
  });
  manager.on("rejected", (e) => rejected.inc({ model: e.model, reason: e.reason }));
  manager.on("restart", (e) => restarts.inc({ model: e.model }));
}
