/**
 * What readiness reports about a service's network node (see {@link RelayAttachment}); every
 * other field of the object (outbox size, counters, last error) is reported as well.
 */
export interface RelayAttachmentStatus {
  /** The node's socket to the network is open. */
  connected: boolean;
  /** The network accepted the node's registration on that socket. */
  registered: boolean;
}

/**
 * A node of the network service that the server runs for its service: `@symbia/relay`'s
 * `connectRelay({..., autoStart: false})` is one. Declared here as an interface so that
 * `@symbia/http` does not depend on the relay client (the relay client depends on `@symbia/http`
 * for the request context).
 */
export interface RelayAttachment {
  /** Starts connecting; called once the HTTP server listens. Idempotent. */
  start(): void;
  /** Leaves the network; called first among the shutdown hooks. */
  close(): Promise<void>;
  /** Current state, shown by `/health/ready`. */
  status(): RelayAttachmentStatus;
}


/** What {@link RequestTelemetry} learns when a request starts: W3C ids of the server span. */
export interface RequestStartInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  requestId: string;
  /** W3C trace id (or the caller's `x-trace-id`). */
  traceId: string;
  /** This request's span id (16 hex). */
  spanId: string;
  /** The caller's span id, from `traceparent`. */
  parentSpanId?: string;
  /** Wall-clock start, ms since the epoch. */
  startTimeMs: number;
}

/** What {@link RequestTelemetry} learns when a request's response is closed. */
export interface RequestEndInfo extends RequestStartInfo {
  /** Matched route template (`/api/orgs/:orgId`); undefined when no route matched (404s). */
  route?: string;
  status: number;
  /** Duration, ms (monotonic clock). */
  durationMs: number;
  principalId?: string;
  /** Org the request acted in, once `scopeOf` resolved it. */
  orgId?: string;
  /** True when the client went away before the response finished. */
  aborted: boolean;
}

/**
 * Hooks told about every HTTP request, for shipping request spans (see `@symbia/logging-client`).
 * They run synchronously on the request path: they must only enqueue, never block or throw (a
 * throw is caught and ignored).
 */
export interface RequestTelemetry {
  onRequestStart?(info: RequestStartInfo): void;
  onRequestEnd?(info: RequestEndInfo): void;
}
