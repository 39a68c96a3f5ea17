import { randomUUID } from "node:crypto";
import { LogInput, MetricInput, SpanInput } from "./schemas.js";

/** Something that yields a current bearer token (`loginAsService` from `@symbia/id` is one). */
export interface TokenSource {
  getToken(): Promise<string>;
}

/** Options of {@link createLoggingClient}. */
export interface LoggingClientOptions {
  /** Logging's base URL (`serviceUrl("logging", env)`). */
  url: string;
  /** `service` of every event that does not name one. */
  service: string;
  /** `env` of every event that does not name one (default `production`). */
  env?: string;
  /** The emitting service's credentials: its service principal's login. */
  auth?: TokenSource;
  /** `X-Org-Id` of every batch: the org of events that do not name one (default: logging decides). */
  orgId?: string;
  /** Events per request (default 200). A full batch is sent at once; a partial one on the timer. */
  batchSize?: number;
  /** Longest an event waits before being sent, ms (default 1 000). */
  flushIntervalMs?: number;
  /** Events held at most, sent or not (default 10 000). Past it, new events are dropped and counted. */
  maxQueue?: number;
  /** Attempts per batch beyond the first on network errors, 408, 429 and 5xx (default 5). */
  maxRetries?: number;
  /** First backoff, ms (default 200); doubled each retry with full jitter, capped at `retryMaxMs`. */
  retryBaseMs?: number;
  /** Longest backoff, ms (default 10 000). */
  retryMaxMs?: number;
  /** Timeout of one request, ms (default 5 000). */
  requestTimeoutMs?: number;
  /** Told about a batch given up on (after its retries, or refused with a 4xx). Must not throw. */
  onError?: (error: Error, details: { events: number; status?: number }) => void;
}

/** What the client did so far. */
export interface LoggingClientStats {
  /** Events waiting, not counting the batch in flight. */
  queued: number;
  /** Events in the batch being sent (or waiting to be retried). */
  inFlight: number;
  /** Events logging acknowledged. */
  sent: number;
  /**
   * Events dropped, by reason: invalid (refused before queueing, so one bad event never sinks a
   * batch), the queue was full, their batch failed every retry, or logging refused it (4xx).
   */
  dropped: { invalid: number; queueFull: number; failed: number; rejected: number };
  /** Sum of `dropped`. */
  droppedTotal: number;
  /** Retries made. */
  retries: number;
  /** Message of the last failure, if any. */
  lastError?: string;
}

type Queued = { kind: "logs"; event: LogInput } | { kind: "metrics"; event: MetricInput } | { kind: "spans"; event: SpanInput };

/** Sends logs, metrics and spans to logging. Every method returns at once and never throws. */
export interface LoggingClient {
  readonly service: string;
  readonly env: string;
  /** Queues a log line (`service`/`env`/`id`/`timestamp` filled in). Returns false when it was dropped (invalid or queue full). */
  log(entry: Omit<LogInput, "service"> & { service?: string }): boolean;
  /** Queues a metric point. Returns false when it was dropped. */
  metric(point: Omit<MetricInput, "service"> & { service?: string }): boolean;
  /** Queues a finished span. Returns false when it was dropped. */
  span(span: Omit<SpanInput, "service"> & { service?: string }): boolean;
  /** Sends what is queued now; resolves when the queue was drained or sending failed. */
  flush(): Promise<void>;
  /** Stops the timer, sends what is left within `timeoutMs` (default 5 000), counts the rest as dropped. */
  shutdown(timeoutMs?: number): Promise<void>;
  stats(): LoggingClientStats;
}

/**
 * A telemetry client for one service: events go into a bounded in-memory queue (a full queue drops
 * the new event and counts it: a request is never blocked or slowed by telemetry) and are sent as
 * mixed batches to `POST {url}/api/ingest`, by size (`batchSize`) and time (`flushIntervalMs`),
 * one request at a time, authenticated with the service principal's token. Failed batches are
 * retried with exponential backoff and full jitter; events carry client-made ids so a retried
 * batch is stored once.
 */
export function createLoggingClient(options: LoggingClientOptions): LoggingClient {
  const base = options.url.replace(/\/+$/, "");
  const env = options.env ?? "production";
  const batchSize = Math.max(1, options.batchSize ?? 200);
  const maxQueue = Math.max(1, options.maxQueue ?? 10_000);
  const maxRetries = Math.max(0, options.maxRetries ?? 5);
  const retryBaseMs = options.retryBaseMs ?? 200;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;

  const queue: Queued[] = [];
  let head = 0; // index of the first live entry: shifting a large array per batch would be O(n)
  let inFlight = 0;
  let sending: Promise<void> | undefined;
  let stopped = false;
  let deadline = Infinity;
  let wakeBackoff: (() => void) | undefined;
  const stats = { sent: 0, retries: 0, dropped: { invalid: 0, queueFull: 0, failed: 0, rejected: 0 }, lastError: undefined as string | undefined };
  const schemas = { logs: LogInput, metrics: MetricInput, spans: SpanInput };

  const timer = setInterval(() => void kick(), options.flushIntervalMs ?? 1_000);
  timer.unref();

  const size = () => queue.length - head;

  function enqueue(item: Queued): boolean {
    if (stopped || size() + inFlight >= maxQueue) {
      stats.dropped.queueFull++;
      return false;
    }
    const checked = schemas[item.kind].safeParse(item.event);
    if (!checked.success) {
      stats.dropped.invalid++;
      stats.lastError = `invalid ${item.kind} event: ${checked.error.issues[0]?.path.join(".")} ${checked.error.issues[0]?.message}`;
      return false;
    }
    queue.push(item);
    if (size() >= batchSize) void kick();
    return true;
  }

  function kick(): Promise<void> {
    sending ??= drain().finally(() => {
      sending = undefined;
    });
    return sending;
  }

  async function drain(): Promise<void> {
    while (size() > 0 && Date.now() < deadline) {
      const batch = queue.slice(head, head + batchSize);
      head += batch.length;
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      inFlight = batch.length;
      try {
        await sendWithRetries(batch);
      } finally {
        inFlight = 0;
      }
    }
  }

  async function sendWithRetries(batch: Queued[]): Promise<void> {
    const body: Record<string, unknown[]> = {};
    for (const item of batch) (body[item.kind] ??= []).push(item.event);
    const json = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined;
      try {
        status = await post(json);
        if (status >= 200 && status < 300) {
          stats.sent += batch.length;
          return;
        }
        stats.lastError = `logging answered ${status}`;
        if (status < 500 && status !== 408 && status !== 429) {
          stats.dropped.rejected += batch.length;
          report(new Error(stats.lastError), batch.length, status);
          return;
        }
      } catch (error) {
        stats.lastError = (error as Error).message;
      }
      const backoff = Math.random() * Math.min(retryMaxMs, retryBaseMs * 2 ** attempt);
      if (attempt >= maxRetries || Date.now() + backoff > deadline) {
        stats.dropped.failed += batch.length;
        report(new Error(stats.lastError ?? "sending failed"), batch.length, status);
        return;
      }
      stats.retries++;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff);
        t.unref();
        wakeBackoff = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeBackoff = undefined;
    }
  }

  async function post(json: string): Promise<number> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.auth) headers.authorization = `Bearer ${await options.auth.getToken()}`;
    if (options.orgId) headers["x-org-id"] = options.orgId;
    // No trace headers: shipping a batch is not part of any request's trace.
    const remaining = deadline === Infinity ? timeoutMs : Math.max(1, Math.min(timeoutMs, deadline - Date.now()));
    const res = await fetch(`${base}/api/ingest`, { method: "POST", headers, body: json, signal: AbortSignal.timeout(remaining) });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }

  function report(error: Error, events: number, status: number | undefined) {
    try {
      options.onError?.(error, { events, ...(status !== undefined ? { status } : {}) });
    } catch {
      /* a reporter must not break the client */
    }
  }

  const fill = <T extends { service?: string; env?: string; id?: string }>(event: T, withId: boolean): T => ({
    ...event,
    service: event.service ?? options.service,
    env: event.env ?? env,
    ...(withId && !event.id ? { id: randomUUID() } : {}),
  });

  return {
    service: options.service,
    env,
    log: (entry) => enqueue({ kind: "logs", event: fill({ timestamp: new Date().toISOString(), ...entry }, true) as LogInput }),
    metric: (point) => enqueue({ kind: "metrics", event: fill({ timestamp: new Date().toISOString(), ...point }, true) as MetricInput }),
    span: (span) => enqueue({ kind: "spans", event: fill(span, false) as SpanInput }),
    flush: () => kick(),
    async shutdown(timeout = 5_000) {
      if (stopped) return sending;
      stopped = true;
      clearInterval(timer);
      deadline = Date.now() + timeout;
      wakeBackoff?.(); // a batch sleeping before a retry tries once more now, within the deadline
      await kick();
      const left = size();
      if (left > 0) {
        stats.dropped.failed += left;
        head = queue.length;
      }
    },
    stats() {
      const d = stats.dropped;
      return {
        queued: size(),
        inFlight,
        sent: stats.sent,
        dropped: { ...d },
        droppedTotal: d.invalid + d.queueFull + d.failed + d.rejected,
        retries: stats.retries,
        ...(stats.lastError ? { lastError: stats.lastError } : {}),
      };
    },
  };
}
