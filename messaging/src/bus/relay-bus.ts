import type { Logger } from "@symbia/http";
import type { TokenSource } from "@symbia/id";
import { AssistantInboundEvent } from "@symbia/messaging-client";
import { connectRelay, defineHandler, type RelayClient } from "@symbia/relay";
import { AppError } from "@symbia/sys";
import { z } from "zod";
import type { AssistantBus, InboundHandler } from "./assistant-bus.js";

/** Event types messaging takes from assistants over the relay. */
export const INBOUND_TYPES = ["message.response", "message.stream.start", "message.stream.chunk", "message.stream.end"] as const;

/** Options of {@link relayBus}. */
export interface RelayBusOptions {
  /** The network's base URL. */
  networkUrl: string;
  /** Messaging's service login: the node's credentials (node id `service:messaging`). */
  credentials: TokenSource;
  logger: Logger;
  /** Longest wait for the network's verdict on an event, ms. */
  ackTimeoutMs?: number;
}

/** The relay transport with its node client, which `createServer({relay})` starts and closes. */
export interface RelayBus extends AssistantBus {
  readonly client: RelayClient;
}

/**
 * The assistant bus over the network relay: messaging is the node `service:messaging`. Outbound
 * events are emitted untargeted (the network routes them along its contracts — by default to
 * `service:assistants`), with the acting principal as the envelope's principal and messaging's
 * event (its id, `target` assistant, data) as the payload; the network signs, checks and traces
 * them. Inbound `message.response` / `message.stream.*` deliveries (verified by the client) are
 * rebuilt into {@link AssistantInboundEvent}s — the speaking agent is the envelope's principal —
 * and handed to the inbound handler; a refusal answers the delivery with an error.
 *
 * `publish` reports `final: true` when the network's policies denied the event, so the failover
 * does not route around a deliberate refusal; unrouted or failed events fall back to the webhook.
 */
export function relayBus(options: RelayBusOptions): RelayBus {
  let inbound: InboundHandler | undefined;
  const handler = defineHandler(z.unknown(), async (event) => {
    const parsed = AssistantInboundEvent.safeParse({ id: event.id, type: event.type, orgId: event.orgId, traceId: event.traceId, principal: event.principal, data: event.data });
    if (!parsed.success) throw new AppError("validation_failed", "invalid assistant event", { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
    if (!inbound) throw new AppError("unavailable", "messaging is not ready for assistant events");
    await inbound(parsed.data, { source: event.source });
  });
  const client = connectRelay({
    networkUrl: options.networkUrl,
    nodeId: "service:messaging",
    type: "service",
    name: "messaging",
    credentials: options.credentials,
    capabilities: ["message.new", "message.control"],
    handlers: Object.fromEntries(INBOUND_TYPES.map((type) => [type, handler])),
    ...(options.ackTimeoutMs ? { ackTimeoutMs: options.ackTimeoutMs } : {}),
    logger: options.logger,
    autoStart: false,
  });
  return {
    name: "relay",
    client,
    async publish(event) {
      try {
        const result = await client.emit(event.type, event, { orgId: event.orgId, principal: event.principal, traceId: event.traceId });
        if (result.queued) return { delivered: true, via: "relay" };
        if (result.status === "delivered") return { delivered: true, via: "relay" };
        return { delivered: false, via: "relay", error: `${result.status}: ${result.reason ?? result.reasonCode ?? ""}`.trim(), ...(result.status === "denied" ? { final: true } : {}) };
      } catch (error) {
        return { delivered: false, via: "relay", error: (error as Error).message };
      }
    },
    onInbound(handle) {
      inbound = handle;
    },
    available: () => {
      const status = client.status();
      return status.connected && status.registered;
    },
    async close() {
      // createServer closes the node client first at shutdown (its `relay` option).
    },
  };
}
