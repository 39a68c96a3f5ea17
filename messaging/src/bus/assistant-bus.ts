import type { AssistantInboundEvent, AssistantOutboundEvent } from "@symbia/messaging-client";

/** How a publish went. `via` names the transport that took the event. */
export interface PublishResult {
  delivered: boolean;
  via: "relay" | "webhook" | "none";
  error?: string;
  /** A deliberate refusal (the network's policy denied it): no other transport may route around it. */
  final?: boolean;
}

/** Handles an event from an assistant (reply or stream part); throws an AppError to refuse it. */
/** Handles an inbound event; `meta.source` is the relay node that sent it. */
export type InboundHandler = (event: AssistantInboundEvent, meta?: { source: string }) => Promise<unknown>;

/**
 * Messaging's link to assistants. Outbound: `message.new` and `message.control` events, each
 * carrying the acting principal (never a bearer token). Inbound: `message.response` and
 * `message.stream.*` events from assistants, handed to the handler set with `onInbound`.
 */
export interface AssistantBus {
  readonly name: string;
  /** Sends one event; never throws (failures come back as `delivered: false`). */
  publish(event: AssistantOutboundEvent): Promise<PublishResult>;
  /** Sets the handler of inbound events. */
  onInbound(handler: InboundHandler): void;
  /** True when this transport can deliver now. */
  available(): boolean;
  /** Starts connecting (called once the server listens). */
  start?(): Promise<void> | void;
  close(): Promise<void>;
}

/**
 * Relay first, webhook when the relay is down or cannot deliver: publishes through the first
 * available transport, falling back to the next when one fails — but not when it refused on
 * purpose (`final`). Inbound handlers are shared by all.
 */
export function failoverBus(transports: readonly AssistantBus[]): AssistantBus {
  return {
    name: transports.map((t) => t.name).join("+"),
    async publish(event) {
      let last: PublishResult = { delivered: false, via: "none", error: "no transport available" };
      for (const transport of transports) {
        if (!transport.available()) continue;
        last = await transport.publish(event);
        if (last.delivered || last.final) return last;
      }
      return last;
    },
    onInbound(handler) {
      for (const t of transports) t.onInbound(handler);
    },
    available: () => transports.some((t) => t.available()),
    async start() {
      for (const t of transports) await t.start?.();
    },
    async close() {
      for (const t of transports) await t.close();
    },
  };
}
