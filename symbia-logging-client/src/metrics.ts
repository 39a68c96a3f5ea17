import { Gauge, type Registry } from "prom-client";
import type { LoggingClient } from "./client.js";

/**
 * Exposes a client's counts on a Prometheus registry (a service's `/metrics`):
 * `symbia_telemetry_sent_total`, `symbia_telemetry_dropped_total{reason}` (invalid, queue_full,
 * failed, rejected), `symbia_telemetry_queued`. Read at scrape time from {@link LoggingClient.stats}.
 */
export function registerTelemetryMetrics(client: LoggingClient, registry: Registry): void {
  new Gauge({ name: "symbia_telemetry_sent_total", help: "Telemetry events logging acknowledged", registers: [registry], collect() { this.set(client.stats().sent); } });
  new Gauge({ name: "symbia_telemetry_queued", help: "Telemetry events waiting to be sent", registers: [registry], collect() { const s = client.stats(); this.set(s.queued + s.inFlight); } });
  new Gauge({
    name: "symbia_telemetry_dropped_total",
    help: "Telemetry events dropped, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      const d = client.stats().dropped;
      this.set({ reason: "invalid" }, d.invalid);
      this.set({ reason: "queue_full" }, d.queueFull);
      this.set({ reason: "failed" }, d.failed);
      this.set({ reason: "rejected" }, d.rejected);
    },
  });
}
