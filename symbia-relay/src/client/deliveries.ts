import { newSpanId, runWithContext } from "@symbia/http";
import type { ReplayCache } from "../replay.js";
import { verifyEnvelope, type VerifyFailureReason } from "../verify.js";
import type { NodeRegistered } from "../wire/nodes.js";
import { resolveHandler, type RelayHandler } from "./handlers.js";
import type { DeliveryAck, RelayClient, RelayLogger } from "./types.js";

/** What handling a delivery reads and counts (the client's state). */
export interface DeliveryState {
  key: Uint8Array;
  registration: NodeRegistered;
  replays: ReplayCache;
  handlers: Readonly<Record<string, RelayHandler<any>>>;
  counters: { received: number; duplicates: number; unhandled: number; invalid: number; handlerErrors: number };
  rejected: Partial<Record<VerifyFailureReason, number>>;
  logger: RelayLogger;
  client: RelayClient;
}

/**
 * Handles one delivered envelope (socket or HTTP): verified with the node's own key (the network
 * re-signed it for this node) within the network's time window, deduplicated by `(source, id)` (a
 * duplicate is acknowledged and not handled), validated by the handler's schema, and handled inside
 * a request context carrying the event's trace id and org. Never throws: the answer says what
 * happened.
 */
export async function handleDelivery(input: unknown, state: DeliveryState): Promise<DeliveryAck> {
  const { counters, logger } = state;
  const result = verifyEnvelope(input, { key: state.key, replayCache: state.replays, maxAgeMs: state.registration.maxAgeMs, maxFutureMs: state.registration.maxFutureMs });
  if (!result.ok) {
    if (result.reason === "replayed") {
      counters.duplicates += 1;
      return { ok: true, data: { handled: false, duplicate: true } };
    }
    state.rejected[result.reason] = (state.rejected[result.reason] ?? 0) + 1;
    logger.warn({ reason: result.reason, eventId: result.eventId, source: result.source }, "relay: refused a delivered event");
    return { ok: false, error: { code: "unauthenticated", message: `event refused: ${result.reason}` } };
  }
  const envelope = result.envelope;
  counters.received += 1;
  const handler = resolveHandler(state.handlers, envelope.type);
  if (!handler) {
    counters.unhandled += 1;
    return { ok: true, data: { handled: false } };
  }
  const parsed = handler.schema.safeParse(envelope.data);
  if (!parsed.success) {
    counters.invalid += 1;
    const issues = parsed.error.issues.map((i) => ({ path: ["data", ...i.path].join("."), message: i.message }));
    return { ok: false, error: { code: "validation_failed", message: `data of ${envelope.type} is invalid`, details: { issues } } };
  }
  try {
    // Handlers run in the event's trace, so their logs and the events they emit carry its trace id.
    await runWithContext({ requestId: newSpanId(), traceId: envelope.traceId, spanId: newSpanId(), orgId: envelope.orgId }, () =>
      handler.handle({ ...envelope, data: parsed.data }, { client: state.client }),
    );
    return { ok: true, data: { handled: true } };
  } catch (error) {
    counters.handlerErrors += 1;
    logger.error({ err: error, eventId: envelope.id, type: envelope.type }, "relay: handler failed");
    return { ok: false, error: { code: "internal", message: "the handler failed" } };
  }
}
