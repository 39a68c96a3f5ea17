import { randomUUID } from "node:crypto";
import { currentContext, newTraceId } from "@symbia/http";
import { startRelaySpan } from "@symbia/logging-client";
import type { ActingPrincipal, AssistantOutboundEvent, ControlNotice, Message, PrincipalRef } from "@symbia/messaging-client";
import { and, eq } from "drizzle-orm";
import type { ConversationRow } from "../conversations/conversations.store.js";
import { participants } from "../db/schema.js";
import type { MessagingDeps } from "../deps.js";

/** The acting principal of a bus event; guests act as users (their ids start with `guest:`). */
export function actingPrincipal(ref: PrincipalRef): ActingPrincipal {
  return { id: ref.principalId, type: ref.principalType === "guest" ? "user" : ref.principalType, entityId: ref.entityId };
}

function envelope(orgId: string, principal: PrincipalRef, target: string | null) {
  return { id: `evt_${randomUUID()}`, orgId, traceId: currentContext()?.traceId ?? newTraceId(), principal: actingPrincipal(principal), target, occurredAt: new Date().toISOString() };
}

/**
 * Who should answer a turn: the one-shot routed assistant, else the active responder (an agent,
 * or a person after a handoff), else the conversation's only agent; null when an agent spoke or
 * several agents could answer (assistants then take turns among themselves).
 */
export async function respondentFor(deps: MessagingDeps, conversation: ConversationRow, sender: PrincipalRef): Promise<{ respondent: { principalId: string; principalType: PrincipalRef["principalType"] } | null; routed: boolean }> {
  if (sender.principalType === "agent") return { respondent: null, routed: false };
  if (conversation.routedTo) return { respondent: { principalId: conversation.routedTo, principalType: "agent" }, routed: true };
  if (conversation.activeResponderId) return { respondent: { principalId: conversation.activeResponderId, principalType: conversation.activeResponderType as PrincipalRef["principalType"] }, routed: false };
  const agents = await deps.database.db
    .select({ principalId: participants.principalId })
    .from(participants)
    .where(and(eq(participants.orgId, conversation.orgId), eq(participants.conversationId, conversation.id), eq(participants.principalType, "agent")))
    .limit(2);
  return agents.length === 1 ? { respondent: { principalId: agents[0]!.principalId, principalType: "agent" }, routed: false } : { respondent: null, routed: false };
}

/**
 * Sends an event to assistants without holding up the caller; failures are logged. With telemetry
 * on, the send is a producer span (`send <type>`) in the event's trace — a child of the current
 * request's span — ended with the transport that took it.
 */
export function publish(deps: MessagingDeps, event: AssistantOutboundEvent, attributes: Record<string, string> = {}): void {
  const span = deps.telemetry
    ? startRelaySpan(deps.telemetry, { id: event.id, type: event.type, source: "service:messaging", target: event.target, traceId: event.traceId, orgId: event.orgId }, "send", { attributes })
    : undefined;
  void deps.bus.publish(event).then(
    (result) => {
      span?.setAttributes({ "symbia.bus.via": result.via, "symbia.bus.delivered": result.delivered });
      if (!result.delivered) {
        span?.setStatus("error", result.error ?? "not delivered");
        deps.logger.warn({ eventId: event.id, type: event.type, via: result.via, error: result.error }, "assistant event not delivered");
      }
      span?.end();
    },
    (error: unknown) => {
      span?.recordError(error).end();
      deps.logger.error({ err: error, eventId: event.id }, "assistant bus failed");
    },
  );
}

/**
 * Publishes `message.new` for a stored message: targeted at the respondent when it is an agent,
 * untargeted otherwise (assistants see who should answer in `respondent`).
 */
export async function publishMessageNew(deps: MessagingDeps, conversation: ConversationRow, message: Message): Promise<void> {
  const { respondent, routed } = await respondentFor(deps, conversation, message.sender);
  const base = envelope(conversation.orgId, message.sender, respondent?.principalType === "agent" ? respondent.principalId : null);
  publish(
    deps,
    {
      ...base,
      // The turn's trace is the one the message was stored with.
      traceId: message.traceId ?? base.traceId,
      type: "message.new",
      data: { conversation: { id: conversation.id, type: conversation.type, name: conversation.name }, message, respondent, routed },
    },
    { "symbia.conversation.id": conversation.id, "symbia.message.id": message.id },
  );
}

/**
 * Forwards a control event to the assistants it concerns: over their sockets (`control:received`)
 * and over the bus (`message.control`), one event per target; untargeted when none is known.
 */
export function forwardControl(deps: MessagingDeps, orgId: string, notice: ControlNotice, targets: readonly string[]): void {
  const unique = [...new Set(targets)];
  for (const target of unique) deps.realtime.toPrincipal(orgId, target, "control:received", notice);
  if (unique.length === 0) publish(deps, { ...envelope(orgId, notice.by, null), type: "message.control", data: notice });
  for (const target of unique) publish(deps, { ...envelope(orgId, notice.by, target), type: "message.control", data: notice });
}
