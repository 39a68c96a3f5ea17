import { createHmac } from "node:crypto";
import type { TokenSource } from "@symbia/id";
import { outgoingTraceHeaders, type Logger } from "@symbia/http";
import type { AssistantBus, InboundHandler } from "./assistant-bus.js";

/** Options of {@link webhookBus}. */
export interface WebhookBusOptions {
  /** Where assistants receive messaging's events (POST, JSON). */
  url: string;
  /** Messaging's service login: the POST carries messaging's own token, so the receiver knows who calls. */
  auth?: TokenSource;
  /** Signs `<timestamp>.<body>` with HMAC-SHA256 (`X-Symbia-Signature: sha256=<hex>`). */
  secret?: string;
  timeoutMs: number;
  /** Extra attempts after a failure (network error, 5xx, 429), with exponential backoff from 200 ms. */
  retries: number;
  logger: Logger;
}

/**
 * Signature of a webhook body: hex HMAC-SHA256 over `<timestamp>.<body>` (timestamp in ms, as
 * sent in `X-Symbia-Timestamp`), the scheme Stripe and GitHub webhooks use, so receivers can
 * check both integrity and freshness.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * The HTTP fallback of the assistant bus: each outbound event is POSTed as JSON to the assistants'
 * webhook URL, with retries. Inbound events arrive through `POST /api/assistant-events` (service
 * principals) and the agents' own REST and socket calls, so this transport has no inbound side of
 * its own beyond keeping the handler.
 */
export function webhookBus(options: WebhookBusOptions): AssistantBus {
  let closed = false;
  return {
    name: "webhook",
    async publish(event) {
      const body = JSON.stringify(event);
      let lastError = "";
      for (let attempt = 0; attempt <= options.retries && !closed; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
        try {
          const timestamp = String(Date.now());
          const headers: Record<string, string> = {
            "content-type": "application/json",
            "x-symbia-event": event.type,
            "x-symbia-event-id": event.id,
            "x-symbia-timestamp": timestamp,
            ...outgoingTraceHeaders(),
          };
          if (options.secret) headers["x-symbia-signature"] = webhookSignature(options.secret, timestamp, body);
          if (options.auth) headers.authorization = `Bearer ${await options.auth.getToken()}`;
          const res = await fetch(options.url, { method: "POST", headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
          await res.arrayBuffer().catch(() => undefined);
          if (res.ok) return { delivered: true, via: "webhook" };
          lastError = `webhook answered ${res.status}`;
          if (res.status < 500 && res.status !== 429) break;
        } catch (error) {
          lastError = (error as Error).message;
        }
      }
      options.logger.warn({ eventId: event.id, type: event.type, error: lastError }, "assistant webhook delivery failed");
      return { delivered: false, via: "webhook", error: lastError };
    },
    onInbound(_handler: InboundHandler) {
      // Inbound HTTP events come through the assistant-events route, which calls the same handler.
    },
    available: () => !closed,
    async close() {
      closed = true;
    },
  };
}
