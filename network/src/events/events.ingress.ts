import { performance } from "node:perf_hooks";
import { runWithContext } from "@symbia/http";
import { startRelaySpan, type ActiveSpan } from "@symbia/logging-client";
import { verifyEnvelope, type EventTrace, type EventVerdict, type Node, type SignedEnvelope, type UnsignedEnvelope } from "@symbia/relay";
import type { NetworkDeps } from "../deps.js";
import { NETWORK_NODE_ID } from "../deps.js";
import { ingressRuleProblem } from "../nodes/nodes.rules.js";
import { decide } from "../sdn/decide.js";
import { publishEvent } from "../sdn/watch.js";
import { statusOfDecision, traceOfRejection, TraceRecorder } from "../traces/traces.model.js";
import { deliverTo } from "./events.delivery.js";

/**
 * Handles one event sent by `sender` (the node registered on the sending socket), end to end:
 *
 * 1. **verify** (`verifyEnvelope`): shape, size, the HMAC with the key of `source` — which must be
 *    the sender itself, else there is no key (`unknown_source`) — the timestamp window and the
 *    replay cache;
 * 2. **the network's rules**: only service nodes name an acting principal other than their own;
 *    a node of an org sends only that org's events;
 * 3. **decide** against the live contracts, policies and topology (`decide()`);
 * 4. **deliver** to each target, re-signed with the target's key (`deliverTo`);
 * 5. **record** the trace (every hop with its timing) in the bounded history, push it to watchers,
 *    and answer the verdict.
 *
 * A refused event is recorded with status `dropped` and its reason (under the sender's org when
 * it claimed another one), and counted per reason in `network_events_rejected_total`.
 */
export async function ingestEvent(deps: NetworkDeps, sender: Node, input: unknown): Promise<EventVerdict> {
  const started = performance.now();
  const receivedAt = new Date();
  const result = verifyEnvelope(input, {
    key: (source) => (source === sender.id ? deps.keys.of(source) : null),
    replayCache: deps.replays,
    maxAgeMs: deps.config.eventMaxAgeMs,
    maxFutureMs: deps.config.eventMaxFutureMs,
  });
  if (!result.ok) {
    return reject(deps, sender, { reason: result.reason, message: result.message, eventId: result.eventId, unverified: result.unverified }, receivedAt, started);
  }
  const envelope = result.envelope;
  const rule = ingressRuleProblem(sender, envelope);
  if (rule) return reject(deps, sender, { reason: rule.reason, message: rule.message, eventId: envelope.id, unverified: envelope }, receivedAt, started);

  const { signature: _signature, ...event } = envelope;
  const trace = new TraceRecorder(event, { networkNode: NETWORK_NODE_ID });
  trace.hop({ action: "receive", node: sender.id, at: receivedAt });
  trace.hop({ action: "verify", at: receivedAt, durationMs: performance.now() - started, outcome: "verified" });

  const decisionStartedAt = new Date();
  const decision = decide({ event, contracts: deps.tables.contracts, policies: deps.tables.policies, directory: deps.registry });
  trace.addDecision(decision, decisionStartedAt);
  for (const log of decision.logs) {
    deps.logger[log.level]({ policyId: log.policyId, eventId: event.id, type: event.type, source: event.source, orgId: event.orgId }, `policy log: ${log.message}`);
  }

  // Telemetry: the routing is a consumer span in the event's trace (a root: envelopes carry no
  // span id), each delivery a producer span under it.
  const routed = deps.telemetry
    ? startRelaySpan(deps.telemetry, event, "receive", { parentSpanId: null, attributes: { "symbia.relay.sender": sender.id, "symbia.relay.targets": decision.targets.length } })
    : undefined;
  let finished: EventTrace;
  const settled = statusOfDecision(decision);
  if (settled) {
    finished = trace.finish(settled, { reasonCode: decision.reasonCode, reason: decision.reason });
  } else {
    const outcomes = await Promise.all(decision.targets.map((target) => tracedDelivery(deps, target, decision.event, trace, routed)));
    const deliveredTo = outcomes.filter((o) => o.delivered).map((o) => o.nodeId);
    const failed = outcomes.filter((o) => !o.delivered);
    finished = failed.length === 0
      ? trace.finish("delivered", { deliveredTo })
      : trace.finish("error", { deliveredTo, reasonCode: "delivery_failed", reason: failed.map((o) => `${o.nodeId}: ${o.detail ?? "not delivered"}`).join("; ") });
  }
  routed?.setAttribute("symbia.relay.status", finished.status);
  if (finished.reasonCode) routed?.setAttribute("symbia.relay.reason_code", finished.reasonCode);
  if (finished.status === "error") routed?.setStatus("error", finished.reason ?? "delivery failed");
  routed?.end();
  await record(deps, finished, decision.event);
  deps.metrics.events.inc({ status: finished.status });
  deps.metrics.processing.observe((performance.now() - started) / 1000);
  return verdictOf(finished);
}

/** {@link deliverTo} inside a producer span (`send <type>`, the target in `symbia.relay.target`) under `parent`. */
async function tracedDelivery(deps: NetworkDeps, target: string, event: UnsignedEnvelope, trace: TraceRecorder, parent: ActiveSpan | undefined) {
  if (!deps.telemetry || !parent) return deliverTo(deps, target, event, trace);
  const span = startRelaySpan(deps.telemetry, { ...event, target }, "send", { parentSpanId: parent.spanId, attributes: { "symbia.relay.target": target, "messaging.destination.name": target } });
  try {
    // In the hop's context: an HTTP delivery carries the event's trace with this span as parent.
    const outcome = await runWithContext(span.context(), () => deliverTo(deps, target, event, trace));
    span.setAttribute("symbia.relay.delivered", outcome.delivered);
    if (!outcome.delivered) span.setStatus("error", outcome.detail ?? "not delivered");
    return outcome;
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}

async function reject(
  deps: NetworkDeps,
  sender: Node,
  failure: { reason: string; message: string; eventId?: string | undefined; unverified?: SignedEnvelope | undefined },
  receivedAt: Date,
  started: number,
): Promise<EventVerdict> {
  deps.metrics.rejected.inc({ reason: failure.reason });
  deps.metrics.events.inc({ status: "dropped" });
  deps.logger.warn({ reason: failure.reason, eventId: failure.eventId, sender: sender.id }, "event refused at ingress");
  const trace = traceOfRejection({ ok: false, reason: failure.reason as never, message: failure.message, ...(failure.unverified ? { unverified: failure.unverified } : {}) }, { networkNode: NETWORK_NODE_ID, receivedAt });
  if (trace && failure.unverified) {
    // The claimed org is not trusted: a node of an org has its refusals recorded in its own org.
    const orgId = sender.orgId ?? trace.orgId;
    const recorded: EventTrace = { ...trace, orgId, hops: trace.hops.map((h, i) => (i === 0 ? { ...h, node: sender.id } : h)) };
    const { signature: _signature, ...envelope } = failure.unverified;
    await record(deps, recorded, envelope, false);
  }
  deps.metrics.processing.observe((performance.now() - started) / 1000);
  return { eventId: failure.eventId ?? "", status: "dropped", reasonCode: failure.reason, reason: failure.message, deliveredTo: [] };
}

async function record(deps: NetworkDeps, trace: EventTrace, envelope: UnsignedEnvelope, storeData = true): Promise<void> {
  // Secret-class payloads are never kept; everything else is shown only to those entitled.
  await deps.history.record({ trace, envelope, storeData: storeData && envelope.dataClass !== "secret" });
  publishEvent(deps, trace);
}

function verdictOf(trace: EventTrace): EventVerdict {
  return { eventId: trace.eventId, status: trace.status, reasonCode: trace.reasonCode, reason: trace.reason, deliveredTo: trace.deliveredTo };
}
