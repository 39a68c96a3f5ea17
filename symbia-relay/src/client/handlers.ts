import type { z } from "zod";
import type { SignedEnvelope } from "../envelope.js";
import { eventTypeMatchesPattern } from "./patterns.js";

/** A delivered, verified event whose `data` passed the handler's schema. */
export type ReceivedEvent<T> = Omit<SignedEnvelope, "data"> & { data: T };

/** A handler of one event type (or pattern): its payload schema and what to do. */
export interface RelayHandler<T = unknown> {
  /** Validates `data`; an event whose data fails is counted (`invalid`), refused, and not handled. */
  schema: z.ZodType<T>;
  /** Handles one event; the network's delivery is acknowledged when this settles. */
  handle(event: ReceivedEvent<T>, context: RelayHandlerContext): void | Promise<void>;
}

/** What a handler gets besides its event. */
export interface RelayHandlerContext {
  /** The node's own client (to answer with `emit`, for example). */
  client: import("./types.js").RelayClient;
}

/**
 * Declares a handler with its `data` type inferred from the schema.
 *
 * @example
 * handlers: { "message.new": defineHandler(z.object({ conversationId: z.string() }), async (event) => { ... }) }
 */
export function defineHandler<S extends z.ZodType>(
  schema: S,
  handle: (event: ReceivedEvent<z.output<S>>, context: RelayHandlerContext) => void | Promise<void>,
): RelayHandler<z.output<S>> {
  return { schema: schema as z.ZodType<z.output<S>>, handle };
}

/**
 * The handler for an event type: the exact type first, then the longest `prefix.*` pattern
 * that matches, then `*`. Undefined when none does.
 */
export function resolveHandler<H>(handlers: Readonly<Record<string, H>>, type: string): H | undefined {
  const exact = handlers[type];
  if (exact) return exact;
  let best: { pattern: string; handler: H } | undefined;
  for (const [pattern, handler] of Object.entries(handlers)) {
    if (pattern === "*" || !pattern.endsWith(".*") || !eventTypeMatchesPattern(pattern, type)) continue;
    if (!best || pattern.length > best.pattern.length) best = { pattern, handler };
  }
  return best?.handler ?? handlers["*"];
}
