import { performance } from "node:perf_hooks";
import { outgoingTraceHeaders } from "@symbia/http";
import { signEnvelope, type UnsignedEnvelope } from "@symbia/relay";
import type { NetworkDeps } from "../deps.js";
import type { TraceRecorder } from "../traces/traces.model.js";

/** Outcome of delivering one event to one node. */
export interface DeliveryOutcome {
  nodeId: string;
  delivered: boolean;
  /** Why not, when not delivered. */
  detail?: string;
}

type DeliverAck = { ok: boolean; error?: { code?: string; message?: string } };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Delivers `event` to node `nodeId`, re-signed with that node's key (so the receiver verifies with
 * its own key only), recording every attempt as a trace hop:
 *
 * 1. over one of the node's sockets (`event:deliver`, round-robin among its instances); a socket
 *    that does not acknowledge in `socketAckTimeoutMs` passes the event to the next;
 * 2. else, when the node registered an HTTP `endpoint`, a POST of the signed envelope, retried on
 *    network errors, timeouts, 408, 429 and 5xx with exponential backoff (`httpBackoffMs` × 2^n,
 *    ±20 %), `httpRetries` times;
 * 3. else, when the node is registered but momentarily without a socket (reconnecting), it waits
 *    up to `socketWaitMs` for one, then tries its sockets once more.
 *
 * A receiver that answers with a refusal (`{ok: false}`, HTTP 4xx) is not retried: it saw the event.
 * Delivery is at least once: a receiver may see an event twice (after an ambiguous timeout) and
 * deduplicates by event id.
 */
export async function deliverTo(deps: NetworkDeps, nodeId: string, event: UnsignedEnvelope, trace: TraceRecorder): Promise<DeliveryOutcome> {
  const signed = signEnvelope(event, deps.keys.of(nodeId));
  // Taken before the socket attempts: a node removed meanwhile is still reached at its endpoint.
  const node = deps.registry.get(nodeId);
  const viaSocket = await trySockets(deps, nodeId, signed, trace);
  if (viaSocket) return viaSocket;
  if (node?.endpoint) return postWithRetries(deps, nodeId, node.endpoint, signed, trace);
  const t0 = performance.now();
  if (await deps.registry.waitForSocket(nodeId, deps.config.delivery.socketWaitMs)) {
    trace.hop({ action: "retry", node: nodeId, durationMs: performance.now() - t0, outcome: "socket_reconnected", detail: "waited for the node to reconnect" });
    const again = await trySockets(deps, nodeId, signed, trace);
    if (again) return again;
  }
  const detail = node ? `node ${nodeId} has no connected socket and no endpoint` : `node ${nodeId} is not registered`;
  trace.hop({ action: "error", node: nodeId, durationMs: performance.now() - t0, outcome: "unreachable", detail });
  deps.metrics.deliveries.inc({ transport: "none", outcome: "error" });
  return { nodeId, delivered: false, detail };
}

async function trySockets(deps: NetworkDeps, nodeId: string, signed: ReturnType<typeof signEnvelope>, trace: TraceRecorder): Promise<DeliveryOutcome | null> {
  for (const socket of deps.registry.socketsFor(nodeId)) {
    const t0 = performance.now();
    let ack: DeliverAck;
    try {
      ack = (await socket.timeout(deps.config.delivery.socketAckTimeoutMs).emitWithAck("event:deliver", signed)) as DeliverAck;
    } catch {
      trace.hop({ action: "retry", node: nodeId, durationMs: performance.now() - t0, outcome: "socket_timeout", detail: `socket ${socket.id} did not acknowledge in ${deps.config.delivery.socketAckTimeoutMs} ms` });
      deps.metrics.deliveries.inc({ transport: "socket", outcome: "retry" });
      continue;
    }
    if (ack?.ok) {
      trace.hop({ action: "deliver", node: nodeId, durationMs: performance.now() - t0, outcome: "delivered", detail: "socket" });
      deps.metrics.deliveries.inc({ transport: "socket", outcome: "delivered" });
      return { nodeId, delivered: true };
    }
    const detail = `refused by the node: ${ack?.error?.code ?? "error"}: ${ack?.error?.message ?? ""}`.trim();
    trace.hop({ action: "error", node: nodeId, durationMs: performance.now() - t0, outcome: "refused", detail });
    deps.metrics.deliveries.inc({ transport: "socket", outcome: "error" });
    return { nodeId, delivered: false, detail };
  }
  return null;
}

function retriable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

async function postWithRetries(deps: NetworkDeps, nodeId: string, endpoint: string, signed: ReturnType<typeof signEnvelope>, trace: TraceRecorder): Promise<DeliveryOutcome> {
  const { httpRetries, httpBackoffMs, httpTimeoutMs } = deps.config.delivery;
  const body = JSON.stringify(signed);
  let lastDetail = "";
  for (let attempt = 0; attempt <= httpRetries; attempt++) {
    const t0 = performance.now();
    let status: number | null = null;
    try {
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", "x-symbia-event-id": signed.id, "x-symbia-source": signed.source, ...outgoingTraceHeaders() },
        body,
        signal: AbortSignal.timeout(httpTimeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        trace.hop({ action: "deliver", node: nodeId, durationMs: performance.now() - t0, outcome: "delivered", detail: `http ${status}, attempt ${attempt + 1}` });
        deps.metrics.deliveries.inc({ transport: "http", outcome: "delivered" });
        return { nodeId, delivered: true };
      }
      lastDetail = `http ${status}`;
    } catch (error) {
      lastDetail = `http ${(error as Error).name === "TimeoutError" ? `timed out after ${httpTimeoutMs} ms` : `failed: ${(error as Error).message}`}`;
    }
    if (status !== null && !retriable(status)) {
      trace.hop({ action: "error", node: nodeId, durationMs: performance.now() - t0, outcome: "refused", detail: `${lastDetail}, not retried` });
      deps.metrics.deliveries.inc({ transport: "http", outcome: "error" });
      return { nodeId, delivered: false, detail: lastDetail };
    }
    if (attempt === httpRetries) {
      trace.hop({ action: "error", node: nodeId, durationMs: performance.now() - t0, outcome: "gave_up", detail: `${lastDetail}; gave up after ${attempt + 1} attempts` });
      deps.metrics.deliveries.inc({ transport: "http", outcome: "error" });
      break;
    }
    const delay = Math.round(httpBackoffMs * 2 ** attempt * (0.8 + Math.random() * 0.4));
    trace.hop({ action: "retry", node: nodeId, durationMs: performance.now() - t0, outcome: "http_retry", detail: `${lastDetail}; attempt ${attempt + 1} of ${httpRetries + 1}, next in ${delay} ms` });
    deps.metrics.deliveries.inc({ transport: "http", outcome: "retry" });
    await sleep(delay);
  }
  return { nodeId, delivered: false, detail: lastDetail };
}
