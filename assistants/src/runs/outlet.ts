import { randomUUID } from "node:crypto";
import type { Logger } from "@symbia/http";
import type { TokenSource } from "@symbia/id";
import type { AssistantInboundEventInput } from "@symbia/messaging-client";
import type { RelayClient } from "@symbia/relay";
import { AppError } from "@symbia/sys";

/** The acting agent of an event to messaging. */
export interface AgentRef {
  id: string;
  type: "agent";
  entityId: string;
}

/** An event to messaging without its id (the outlet gives one). */
export type OutletEvent = Omit<AssistantInboundEventInput, "id"> & { id?: string };

/**
 * Where the assistants service's events to messaging go: the relay when the node is connected
 * and registered (the network routes `message.response` / `message.stream.*` to messaging), else
 * `POST /api/assistant-events` with the service's token. A relay event the network could not
 * route falls back to HTTP; one its policies denied does not.
 */
export interface Outlet {
  send(event: OutletEvent): Promise<unknown>;
  /** Emits a notice on the relay (assistant.intent.*, assistant.state.changed); never throws. */
  notify(type: string, data: unknown, options: { orgId: string; principal?: AgentRef; traceId?: string }): Promise<void>;
}

/** Builds the outlet. */
export function createOutlet(options: { messagingUrl: string; auth: TokenSource | null; relay?: RelayClient; logger: Logger }): Outlet {
  const viaHttp = async (event: OutletEvent & { id: string }) => {
    if (!options.auth) throw new AppError("unavailable", "no service login: cannot reach messaging");
    const res = await fetch(`${options.messagingUrl}/api/assistant-events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await options.auth.getToken()}`, ...(event.traceId ? { "x-trace-id": event.traceId } : {}) },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(15_000),
    }).catch((error: Error) => {
      throw new AppError("unavailable", `messaging unreachable: ${error.message}`);
    });
    const body = (await res.json().catch(() => null)) as { result?: unknown; error?: { code?: string; message?: string } } | null;
    if (!res.ok) {
      const code = res.status >= 500 ? "bad_gateway" : res.status === 429 ? "rate_limited" : ((body?.error?.code ?? "bad_request") as ConstructorParameters<typeof AppError>[0]);
      throw new AppError(code, `messaging refused ${event.type}: ${body?.error?.message ?? res.status}`, { status: res.status });
    }
    return body?.result;
  };
  const relayUp = () => {
    const status = options.relay?.status();
    return !!status && status.connected && status.registered;
  };
  return {
    async send(input) {
      const event = { ...input, id: input.id ?? `evt_${randomUUID()}` };
      if (options.relay && relayUp()) {
        try {
          const verdict = await options.relay.emit(event.type, event.data, { target: "service:messaging", orgId: event.orgId, principal: event.principal, ...(event.traceId ? { traceId: event.traceId } : {}) });
          if (!verdict.queued && verdict.status === "delivered") return undefined;
          if (!verdict.queued && verdict.status === "denied") throw new AppError("forbidden", `the network denied ${event.type}: ${verdict.reason ?? verdict.reasonCode ?? ""}`);
          if (verdict.queued) return undefined;
          options.logger.debug({ type: event.type, status: verdict.status }, "relay did not deliver: falling back to HTTP");
        } catch (error) {
          if (error instanceof AppError && error.code === "forbidden") throw error;
          options.logger.debug({ err: (error as Error).message }, "relay emit failed: falling back to HTTP");
        }
      }
      return viaHttp(event);
    },
    async notify(type, data, opts) {
      if (!options.relay || !relayUp()) {
        options.logger.debug({ type, data }, "notice (relay not connected)");
        return;
      }
      try {
        await options.relay.emit(type, data, { orgId: opts.orgId, ...(opts.principal ? { principal: opts.principal } : {}), ...(opts.traceId ? { traceId: opts.traceId } : {}) });
      } catch (error) {
        options.logger.debug({ type, err: (error as Error).message }, "notice not sent");
      }
    },
  };
}
