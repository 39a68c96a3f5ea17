import { currentContext, newTraceId } from "@symbia/http";
import { withRelaySpan } from "@symbia/logging-client";
import type { AssistantInboundEvent } from "@symbia/messaging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { vouchedActor } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import { sendMessage } from "../messages/messages.service.js";
import { appendChunk, endStream, startStream } from "../streams/streams.service.js";

const CAP = CAPABILITIES.messaging;

/**
 * Handles an event from an assistant (relay delivery, or `POST /api/assistant-events` from a
 * service principal) with the same service functions as REST and sockets. The speaker is the
 * event's acting principal, an agent that must take part in the conversation; it may read and
 * send, nothing more. Redeliveries are harmless: a reply without `clientId` uses the event id,
 * chunks are idempotent by index, and a repeated start of the same stream returns its state.
 */
export async function handleAssistantEvent(deps: MessagingDeps, event: AssistantInboundEvent, options: { via?: "relay" | "http"; source?: string } = {}): Promise<unknown> {
  if (!deps.telemetry) return handle(deps, event);
  // A consumer span per handled event, in the event's trace; what it stores (the reply) carries that trace id.
  const traceId = event.traceId ?? currentContext()?.traceId ?? newTraceId();
  const ref = { id: event.id, type: event.type, source: options.source ?? (options.via === "relay" ? "relay" : "http"), target: "service:messaging", traceId, orgId: event.orgId };
  const conversationId = "conversationId" in event.data ? event.data.conversationId : undefined;
  const messageId = "messageId" in event.data ? event.data.messageId : undefined;
  return withRelaySpan(deps.telemetry, ref, "receive", () => handle(deps, event), {
    // A relay delivery's context span is never reported: the hop is a root of the event's trace.
    ...(options.via === "relay" ? { parentSpanId: null } : {}),
    attributes: {
      "symbia.bus.via": options.via ?? "http",
      "enduser.id": event.principal.id,
      ...(conversationId ? { "symbia.conversation.id": conversationId } : {}),
      ...(messageId ? { "symbia.message.id": messageId } : {}),
    },
  });
}

async function handle(deps: MessagingDeps, event: AssistantInboundEvent): Promise<unknown> {
  if (event.principal.type !== "agent") throw new AppError("forbidden", "assistant events speak for an agent");
  const actor = vouchedActor(event.orgId, { principalId: event.principal.id, principalType: "agent", entityId: event.principal.entityId }, [CAP.read, CAP.send]);
  switch (event.type) {
    case "message.response": {
      const { conversationId, ...body } = event.data;
      return (await sendMessage(deps, actor, conversationId, { ...body, clientId: body.clientId ?? event.id })).message;
    }
    case "message.stream.start": {
      const { conversationId, ...body } = event.data;
      const running = deps.streams.get(body.messageId);
      if (running && running.orgId === event.orgId && running.sender.principalId === event.principal.id && !running.finishing) return deps.streams.view(running);
      return startStream(deps, actor, conversationId, body);
    }
    case "message.stream.chunk":
      return appendChunk(deps, actor, event.data.messageId, { index: event.data.index, delta: event.data.delta });
    case "message.stream.end": {
      const { messageId, ...body } = event.data;
      return endStream(deps, actor, messageId, body);
    }
  }
}
