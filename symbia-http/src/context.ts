import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { Principal } from "@symbia/sys";

/** What is known about the request (or socket event) being handled, for logs and outgoing calls. */
export interface RequestContext {
  requestId: string;
  /** W3C trace id: 32 lowercase hex characters. */
  traceId: string;
  /** This service's span for the request: 16 lowercase hex characters. */
  spanId: string;
  /** The caller's span, when it sent a `traceparent`. */
  parentSpanId?: string;
  principal?: Principal;
  orgId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The context of the request being handled, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `context` as the current request context (also for socket events and jobs). */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** A new random trace id (W3C Trace Context: 16 bytes, hex). */
export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}

/** A new random span id (W3C Trace Context: 8 bytes, hex). */
export function newSpanId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * Parses a W3C `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. Returns null for anything malformed,
 * including the all-zero ids the spec forbids.
 */
export function parseTraceparent(header: string | undefined): { traceId: string; parentSpanId: string } | null {
  if (!header) return null;
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header.trim().toLowerCase());
  if (!match || match[1] === "ff") return null;
  const [, , traceId, parentSpanId] = match;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentSpanId!)) return null;
  return { traceId: traceId!, parentSpanId: parentSpanId! };
}

/** Accepts an `x-trace-id` that is a W3C trace id (32 hex) or, for other tools, 8–64 safe characters. */
export function sanitizeTraceId(value: string | undefined): string | null {
  if (!value) return null;
  const v = value.trim();
  return /^[A-Za-z0-9._-]{8,64}$/.test(v) ? v.toLowerCase() : null;
}

/**
 * Headers that carry the current trace to another service: `x-trace-id`, and `traceparent` when
 * the trace id is W3C-shaped (the current span becomes the callee's parent). Empty outside a
 * request context.
 */
export function outgoingTraceHeaders(context: RequestContext | undefined = currentContext()): Record<string, string> {
  if (!context) return {};
  const headers: Record<string, string> = { "x-trace-id": context.traceId };
  if (/^[0-9a-f]{32}$/.test(context.traceId)) headers.traceparent = `00-${context.traceId}-${context.spanId}-01`;
  return headers;
}
