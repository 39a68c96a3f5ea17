import type { SymbiaServer } from "@symbia/http";
import { createLoggingClient, type LoggingClient, type TokenSource } from "./client.js";
import type { TelemetryConfig } from "./config.js";
import { registerTelemetryMetrics } from "./metrics.js";

/** Options of {@link createServiceTelemetry}. */
export interface ServiceTelemetryOptions {
  service: string;
  env: string;
  config: TelemetryConfig;
  /** The service principal's login; without it no client is made (logging would refuse the batches). */
  auth: TokenSource | undefined;
  /** Where dropped batches are reported, at most once a minute. Must not be a logger that ships to logging. */
  report?: { info(object: object, message: string): void };
}

/**
 * The logging client of a platform service from its {@link TelemetryConfig}, or undefined when
 * telemetry is disabled or the service has no credentials. Pair it with `requestTelemetry` (the
 * `telemetry` option of `createServer`), `telemetryDestination` (its logger) and
 * {@link attachTelemetry}.
 */
export function createServiceTelemetry(options: ServiceTelemetryOptions): LoggingClient | undefined {
  if (!options.config.enabled || !options.auth) return undefined;
  let lastReport = 0;
  return createLoggingClient({
    url: options.config.url,
    service: options.service,
    env: options.env,
    auth: options.auth,
    batchSize: options.config.batchSize,
    flushIntervalMs: options.config.flushIntervalMs,
    maxQueue: options.config.maxQueue,
    onError: (error, details) => {
      if (Date.now() - lastReport < 60_000) return;
      lastReport = Date.now();
      options.report?.info({ err: error.message, events: details.events, status: details.status }, "telemetry batch dropped");
    },
  });
}

/** Puts a client's counts on the server's `/metrics` and flushes it in the shutdown's telemetry phase. */
export function attachTelemetry(server: SymbiaServer, client: LoggingClient, flushTimeoutMs = 3_000): void {
  registerTelemetryMetrics(client, server.metrics.registry);
  server.onShutdown("flush telemetry", () => client.shutdown(flushTimeoutMs), "telemetry");
}
