import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The gateway's Prometheus metrics (registered on the server's registry by `createApp`). */
export interface GatewayMetrics {
  calls: Counter<"provider" | "operation" | "outcome" | "category">;
  callDuration: Histogram<"provider" | "operation">;
  tokens: Counter<"provider" | "kind">;
  retries: Counter<"provider">;
  fallbacks: Counter<"from">;
  budgetRejections: Counter<"scope">;
  ledgerDropped: Counter;
  ledgerWritten: Counter;
  /** Every metric, for registration. */
  all(): (Counter<string> | Histogram<string> | Gauge<string>)[];
}

/** Creates the gateway's metrics, not yet registered anywhere. */
export function createGatewayMetrics(): GatewayMetrics {
  const registers: Registry[] = [];
  const calls = new Counter({ name: "integrations_provider_calls_total", help: "Provider calls by outcome (ok, error, cancelled) and error category", labelNames: ["provider", "operation", "outcome", "category"] as const, registers });
  const callDuration = new Histogram({
    name: "integrations_provider_call_duration_seconds",
    help: "Duration of provider calls (whole answers, or streams to their end)",
    labelNames: ["provider", "operation"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const tokens = new Counter({ name: "integrations_tokens_total", help: "Tokens used, by provider and kind (prompt, completion)", labelNames: ["provider", "kind"] as const, registers });
  const retries = new Counter({ name: "integrations_retries_total", help: "Retries of a provider call after a retryable error", labelNames: ["provider"] as const, registers });
  const fallbacks = new Counter({ name: "integrations_fallbacks_total", help: "Requests that moved on from a failing provider to the next in their fallback list", labelNames: ["from"] as const, registers });
  const budgetRejections = new Counter({ name: "integrations_budget_rejections_total", help: "Requests refused because a daily budget is spent", labelNames: ["scope"] as const, registers });
  const ledgerDropped = new Counter({ name: "integrations_ledger_dropped_total", help: "Usage records dropped because the ledger queue was full or the database refused them", registers });
  const ledgerWritten = new Counter({ name: "integrations_ledger_written_total", help: "Usage records written to the ledger", registers });
  return {
    calls,
    callDuration,
    tokens,
    retries,
    fallbacks,
    budgetRejections,
    ledgerDropped,
    ledgerWritten,
    all: () => [calls, callDuration, tokens, retries, fallbacks, budgetRejections, ledgerDropped, ledgerWritten],
  };
}

/** Registers the gateway's metrics and its live gauges (ledger queue, calls in flight, circuits) on `registry`. */
export function registerGatewayMetrics(
  registry: Registry,
  metrics: GatewayMetrics,
  live: { ledgerDepth: () => number; activeCalls: () => number; circuits: () => Record<string, "closed" | "open" | "half_open"> },
): void {
  for (const metric of metrics.all()) registry.registerMetric(metric);
  registry.registerMetric(
    new Gauge({
      name: "integrations_ledger_queue_depth",
      help: "Usage records waiting to be written",
      registers: [],
      collect() {
        this.set(live.ledgerDepth());
      },
    }),
  );
  registry.registerMetric(
    new Gauge({
      name: "integrations_active_calls",
      help: "Provider calls in flight",
      registers: [],
      collect() {
        this.set(live.activeCalls());
      },
    }),
  );
  registry.registerMetric(
    new Gauge({
      name: "integrations_circuit_open",
      help: "Circuit breaker state per provider endpoint: 0 closed, 1 open, 0.5 half-open",
      labelNames: ["endpoint"] as const,
      registers: [],
      collect() {
        this.reset();
        for (const [endpoint, state] of Object.entries(live.circuits())) this.set({ endpoint }, state === "open" ? 1 : state === "half_open" ? 0.5 : 0);
      },
    }),
  );
}
