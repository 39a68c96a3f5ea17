export { createLoggingClient } from "./client.js";
export type { LoggingClient, LoggingClientOptions, LoggingClientStats, TokenSource } from "./client.js";
export { startSpan, withSpan, tracedFetch, startRelaySpan, withRelaySpan } from "./spans.js";
export type { ActiveSpan, SpanOptions, RelayEventRef } from "./spans.js";
export { requestTelemetry, telemetryDestination } from "./http.js";
export type { TelemetryDestinationOptions } from "./http.js";
export * from "./schemas.js";
export * from "./queries.js";
