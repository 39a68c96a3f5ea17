import { Counter, Histogram, type Metric, type Registry } from "prom-client";

/** The network's own Prometheus metrics, added to the server's `/metrics`. */
export interface NetworkMetrics {
  /** Events handled, by final trace status. */
  events: Counter<"status">;
  /** Events refused at the door, by reason (`bad_signature`, `replayed`, `principal_not_allowed`, ...). */
  rejected: Counter<"reason">;
  /** Delivery attempts by transport (`socket`, `http`) and outcome (`delivered`, `retry`, `error`). */
  deliveries: Counter<"transport" | "outcome">;
  /** Time from receiving an event to its verdict, seconds. */
  processing: Histogram;
  register(registry: Registry): void;
}

/** Creates the network's metrics; `register` adds them to a registry (the server's). */
export function createNetworkMetrics(): NetworkMetrics {
  const events = new Counter({ name: "network_events_total", help: "Events handled, by final trace status", labelNames: ["status"] as const, registers: [] });
  const rejected = new Counter({ name: "network_events_rejected_total", help: "Events refused at ingress, by reason", labelNames: ["reason"] as const, registers: [] });
  const deliveries = new Counter({ name: "network_deliveries_total", help: "Delivery attempts by transport and outcome", labelNames: ["transport", "outcome"] as const, registers: [] });
  const processing = new Histogram({
    name: "network_event_processing_seconds",
    help: "Time from receiving an event to its verdict (verification, decision, delivery, trace), seconds",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [],
  });
  return {
    events,
    rejected,
    deliveries,
    processing,
    register(registry) {
      for (const metric of [events, rejected, deliveries, processing] as Metric[]) registry.registerMetric(metric);
    },
  };
}
