import { currentContext, newSpanId, newTraceId, runWithContext, type RequestContext } from "@symbia/http";
import type { LoggingClient } from "./client.js";
import type { DataClass, SpanKind, SpanStatus } from "./schemas.js";

type AttributeValue = string | number | boolean | (string | number | boolean)[];

/** Options of {@link startSpan}. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Record<string, AttributeValue>;
  runId?: string;
  dataClass?: DataClass;
  /** Org of the span (default: the current request's org, else the client's). */
  orgId?: string;
  /**
   * Parent span: default the current request context's span (so the span joins the request's
   * trace); `null` starts a new trace; a parent without `spanId` makes a root span in that trace.
   */
  parent?: { traceId: string; spanId?: string } | null;
}

/** A span being timed. `end()` queues it once; later calls do nothing. */
export interface ActiveSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  setAttribute(key: string, value: AttributeValue): this;
  setAttributes(attributes: Record<string, AttributeValue>): this;
  addEvent(name: string, attributes?: Record<string, AttributeValue>): this;
  setStatus(status: SpanStatus, message?: string): this;
  /** Marks the span failed with the error's message and adds an `exception` event (OpenTelemetry). */
  recordError(error: unknown): this;
  end(): void;
  /** A request context whose current span is this one, for {@link runWithContext}. */
  context(): RequestContext;
}

/**
 * Starts a span timed on the monotonic clock. Its trace and parent come from `options.parent`, else
 * from the current `@symbia/http` request context, else a new trace (W3C Trace Context ids).
 */
export function startSpan(client: LoggingClient, name: string, options: SpanOptions = {}): ActiveSpan {
  const ctx = currentContext();
  const parent = options.parent === null ? undefined : (options.parent ?? (ctx ? { traceId: ctx.traceId, spanId: ctx.spanId } : undefined));
  const traceId = parent?.traceId ?? newTraceId();
  const parentSpanId = parent?.spanId || undefined;
  const spanId = newSpanId();
  const startMs = Date.now();
  const t0 = process.hrtime.bigint();
  const attributes: Record<string, AttributeValue> = { ...options.attributes };
  const events: { name: string; time: string; attributes?: Record<string, AttributeValue> }[] = [];
  let status: SpanStatus = "unset";
  let statusMessage: string | undefined;
  let ended = false;
  const orgId = options.orgId ?? ctx?.orgId;

  const span: ActiveSpan = {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    setAttribute(key, value) {
      attributes[key] = value;
      return span;
    },
    setAttributes(more) {
      Object.assign(attributes, more);
      return span;
    },
    addEvent(eventName, eventAttributes) {
      if (events.length < 128) events.push({ name: eventName, time: new Date().toISOString(), ...(eventAttributes ? { attributes: eventAttributes } : {}) });
      return span;
    },
    setStatus(next, message) {
      status = next;
      statusMessage = message;
      return span;
    },
    recordError(error) {
      const err = error instanceof Error ? error : new Error(String(error));
      span.addEvent("exception", { "exception.type": err.name, "exception.message": err.message.slice(0, 1024) });
      return span.setStatus("error", err.message.slice(0, 1024));
    },
    end() {
      if (ended) return;
      ended = true;
      const durationMs = Number(process.hrtime.bigint() - t0) / 1e6;
      client.span({
        traceId,
        spanId,
        ...(parentSpanId ? { parentSpanId } : {}),
        name: name.slice(0, 256),
        kind: options.kind ?? "internal",
        startTime: new Date(startMs).toISOString(),
        endTime: new Date(startMs + Math.ceil(durationMs)).toISOString(),
        durationMs,
        status,
        ...(statusMessage ? { statusMessage } : {}),
        attributes,
        ...(events.length ? { events } : {}),
        ...(options.runId ? { runId: options.runId } : {}),
        ...(options.dataClass ? { dataClass: options.dataClass } : {}),
        ...(orgId ? { orgId } : {}),
      });
    },
    context() {
      const base: RequestContext = ctx ? { ...ctx } : { requestId: spanId, traceId, spanId };
      delete base.parentSpanId;
      return { ...base, traceId, spanId, ...(parentSpanId ? { parentSpanId } : {}) };
    },
  };
  return span;
}

/**
 * Runs `fn` inside a new span (the current span for anything it starts or calls, so outgoing
 * calls carry it as their parent). A throw marks the span failed and is rethrown.
 */
export async function withSpan<T>(client: LoggingClient, name: string, options: SpanOptions, fn: (span: ActiveSpan) => Promise<T> | T): Promise<T> {
  const span = startSpan(client, name, options);
  try {
    return await runWithContext(span.context(), () => fn(span));
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * `fetch` inside a client span (`HTTP <METHOD>`, OpenTelemetry HTTP attribute names) whose ids go
 * out as W3C `traceparent` and `x-trace-id`, so the callee's request span is its child. Status
 * ≥ 500 and network errors mark the span failed; the response or error is passed through.
 */
export async function tracedFetch(client: LoggingClient, input: string | URL, init: RequestInit = {}, options: SpanOptions = {}): Promise<Response> {
  const url = new URL(String(input));
  const method = (init.method ?? "GET").toUpperCase();
  const span = startSpan(client, `HTTP ${method}`, {
    ...options,
    kind: "client",
    attributes: { "http.request.method": method, "server.address": url.hostname, "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)), "url.path": url.pathname, ...options.attributes },
  });
  const headers = new Headers(init.headers);
  headers.set("x-trace-id", span.traceId);
  if (/^[0-9a-f]{32}$/.test(span.traceId)) headers.set("traceparent", `00-${span.traceId}-${span.spanId}-01`);
  try {
    const res = await fetch(url, { ...init, headers });
    span.setAttribute("http.response.status_code", res.status);
    if (res.status >= 500) span.setStatus("error", `HTTP ${res.status}`);
    return res;
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}

/** The part of a relay event (`@symbia/relay`) a hop span needs. */
export interface RelayEventRef {
  id: string;
  type: string;
  source: string;
  target?: string | null;
  traceId: string;
  runId?: string | null;
  orgId?: string;
}

/** Options of {@link startRelaySpan}: a span's options, and the parent span (`null`: none). */
export type RelaySpanOptions = Omit<SpanOptions, "parent" | "kind"> & { parentSpanId?: string | null };

/**
 * A span for one relay hop: `send <type>` (producer) when this node emits the event, `receive
 * <type>` (consumer) when it handles it. The span joins the event's trace, with OpenTelemetry
 * messaging attribute names plus `symbia.relay.*`. Pass `parentSpanId` when the event carried the
 * sender's span; otherwise the current request's span is the parent when it is in the same trace.
 * `parentSpanId: null` makes the hop a root of the event's trace (for a context whose span is
 * never reported, such as a relay delivery's).
 */
export function startRelaySpan(client: LoggingClient, event: RelayEventRef, direction: "send" | "receive", options: RelaySpanOptions = {}): ActiveSpan {
  const ctx = currentContext();
  const parentSpanId = options.parentSpanId === null ? undefined : (options.parentSpanId ?? (ctx?.traceId === event.traceId.toLowerCase() ? ctx.spanId : undefined));
  const { parentSpanId: _, ...rest } = options;
  return startSpan(client, `${direction} ${event.type}`, {
    ...rest,
    kind: direction === "send" ? "producer" : "consumer",
    // A hop without a known parent still belongs to the event's trace: a fresh root in it.
    parent: { traceId: event.traceId.toLowerCase(), ...(parentSpanId ? { spanId: parentSpanId } : {}) },
    ...(event.runId ? { runId: event.runId } : {}),
    ...(event.orgId && !rest.orgId ? { orgId: event.orgId } : {}),
    attributes: {
      "messaging.system": "symbia-relay",
      "messaging.operation.type": direction === "send" ? "send" : "process",
      "messaging.message.id": event.id,
      "symbia.relay.event_type": event.type,
      "symbia.relay.source": event.source,
      ...(event.target ? { "symbia.relay.target": event.target } : {}),
      ...rest.attributes,
    },
  });
}

/** Runs `fn` inside a relay hop span ({@link startRelaySpan}); a throw marks it failed. */
export async function withRelaySpan<T>(client: LoggingClient, event: RelayEventRef, direction: "send" | "receive", fn: (span: ActiveSpan) => Promise<T> | T, options: RelaySpanOptions = {}): Promise<T> {
  const span = startRelaySpan(client, event, direction, options);
  try {
    return await runWithContext(span.context(), () => fn(span));
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}
