import { randomUUID } from "node:crypto";
import type { ControlBody, ControlNotice, ControlResult } from "@symbia/messaging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import type { z } from "zod";
import { refOf, requireEntitlement, type Actor } from "../actor.js";
import { forwardControl, respondentFor } from "../bus/dispatch.js";
import { requireParticipant } from "../conversations/conversations.service.js";
import * as conversationsStore from "../conversations/conversations.store.js";
import type { ConversationRow } from "../conversations/conversations.store.js";
import type { Db } from "@symbia/db";
import type { MessagingDeps } from "../deps.js";
import { announceMessage } from "../messages/messages.service.js";
import { appendMessage, findMessage, latestHumanMessage, updateMessage, type MessageRow } from "../messages/messages.store.js";
import { streamControl, type StreamControlEffect } from "../streams/streams.service.js";
import { conversationView, messageView } from "../views.js";

const CAP = CAPABILITIES.messaging;
type Body = z.output<typeof ControlBody>;

function invalid(path: string, message: string): AppError {
  return new AppError("validation_failed", "invalid request", { issues: [{ path, message }] });
}

/** Stores the control as an `event` message (content: the control as JSON), in the caller's transaction. */
async function storeEvent(tx: Db, actor: Actor, conversationId: string, content: Record<string, unknown>): Promise<{ message: MessageRow; before: ConversationRow }> {
  const by = refOf(actor);
  const result = await appendMessage(tx, actor.scope, conversationId, {
    id: randomUUID(),
    senderId: by.principalId,
    senderType: by.principalType,
    senderEntityId: by.entityId,
    clientId: null,
    content: JSON.stringify(content),
    contentType: "event",
    replyTo: null,
    metadata: { control: content.event },
    priority: "high",
    status: "complete",
  });
  if (!result) throw new AppError("not_found", "conversation not found");
  return result;
}

/**
 * Applies a control event to a conversation (REST `POST …/control`, socket `control:send`):
 * `route`/`handoff` need `cap:messaging.route`, the others `cap:messaging.interrupt`. The effect
 * is applied first (on every instance for stream controls), then the control is stored as an
 * event message, broadcast (`message:new`, and `conversation:updated` for route/handoff), and
 * forwarded to the assistants concerned (`control:received` on their sockets, `message.control`
 * on the bus).
 *
 * @throws AppError `conflict` when there is nothing to act on (no active reply to pause, ...);
 * `validation_failed` for a `to` that is not a suitable participant or an unknown `messageId`.
 */
export async function sendControl(deps: MessagingDeps, actor: Actor, conversationId: string, body: Body): Promise<ControlResult> {
  requireEntitlement(actor, body.event === "route" || body.event === "handoff" ? CAP.route : CAP.interrupt);
  if (actor.kind === "guest") throw new AppError("forbidden", "guests cannot send control events");
  const { conversation } = await requireParticipant(deps, actor, conversationId);
  const db = deps.database.db;
  const by = refOf(actor);
  const reason = body.reason ?? null;
  let effects: StreamControlEffect[] = [];
  let targets: string[] = [];
  let stored: { message: MessageRow; before: ConversationRow };
  let after: ConversationRow = conversation;
  let messageId: string | null = null;
  let to: string | null = null;
  let priority: ControlNotice["priority"] = null;

  switch (body.event) {
    case "pause":
    case "resume":
    case "cancel": {
      messageId = body.messageId ?? null;
      effects = await streamControl(deps, { orgId: actor.scope.orgId, conversationId, action: body.event, ...(body.messageId ? { messageId: body.messageId } : {}), reason: reason ?? body.event, by });
      if (effects.length === 0) {
        const what = body.event === "resume" ? "paused reply" : body.event === "pause" ? "streaming reply" : "active reply";
        throw new AppError("conflict", body.messageId ? `message ${body.messageId} is not a ${what}` : `no ${what} in this conversation`);
      }
      targets = effects.map((e) => e.sender);
      stored = await deps.database.withTransaction((tx) => storeEvent(tx, actor, conversationId, { event: body.event, messageId, reason, streams: effects.map((e) => e.messageId) }));
      break;
    }
    case "preempt": {
      const newer = body.messageId ? await findMessage(db, actor.scope, conversationId, body.messageId) : await latestHumanMessage(db, actor.scope, conversationId);
      if (!newer) throw body.messageId ? invalid("messageId", "no such message in this conversation") : new AppError("conflict", "no message to favour");
      messageId = newer.id;
      effects = await streamControl(deps, { orgId: actor.scope.orgId, conversationId, action: "cancel", exceptReplyTo: newer.id, reason: reason ?? "preempted", by });
      const { respondent } = await respondentFor(deps, conversation, { principalId: newer.senderId, principalType: newer.senderType, entityId: newer.senderEntityId });
      targets = [...effects.map((e) => e.sender), ...(respondent?.principalType === "agent" ? [respondent.principalId] : [])];
      stored = await deps.database.withTransaction((tx) => storeEvent(tx, actor, conversationId, { event: "preempt", messageId, reason, cancelled: effects.map((e) => e.messageId) }));
      break;
    }
    case "route": {
      to = body.to;
      const target = await conversationsStore.findParticipant(db, actor.scope, conversationId, body.to);
      if (!target || target.principalType !== "agent") throw invalid("to", "not an agent taking part in this conversation");
      stored = await deps.database.withTransaction(async (tx) => {
        await conversationsStore.updateConversation(tx, actor.scope, conversationId, { routedTo: body.to });
        return storeEvent(tx, actor, conversationId, { event: "route", to: body.to, reason });
      });
      after = (await conversationsStore.findConversation(db, actor.scope, conversationId))!;
      targets = [body.to];
      break;
    }
    case "handoff": {
      to = body.to;
      const target = await conversationsStore.findParticipant(db, actor.scope, conversationId, body.to);
      if (!target || (target.principalType !== "agent" && target.principalType !== "user")) throw invalid("to", "not a person or agent taking part in this conversation");
      if (conversation.activeResponderId === body.to) throw new AppError("conflict", "already the active responder");
      const previous = conversation.activeResponderId ? { id: conversation.activeResponderId, type: conversation.activeResponderType } : null;
      stored = await deps.database.withTransaction(async (tx) => {
        const event = await storeEvent(tx, actor, conversationId, { event: "handoff", from: previous?.id ?? null, to: body.to, reason });
        await conversationsStore.updateConversation(tx, actor.scope, conversationId, { activeResponderId: target.principalId, activeResponderType: target.principalType });
        await conversationsStore.insertHandoff(tx, actor.scope, {
          id: randomUUID(),
          conversationId,
          fromId: previous?.id ?? null,
          fromType: previous?.type ?? null,
          toId: target.principalId,
          toType: target.principalType,
          byId: actor.scope.principalId,
          reason,
          eventMessageId: event.message.id,
        });
        return event;
      });
      after = (await conversationsStore.findConversation(db, actor.scope, conversationId))!;
      // The responder changes now: replies still streaming from anyone else end here.
      effects = await streamControl(deps, { orgId: actor.scope.orgId, conversationId, action: "cancel", exceptSender: target.principalId, reason: "handoff", by });
      targets = [...effects.map((e) => e.sender), ...(previous?.type === "agent" ? [previous.id] : []), ...(target.principalType === "agent" ? [target.principalId] : [])];
      break;
    }
    case "priority": {
      messageId = body.messageId;
      priority = body.priority;
      const stream = deps.streams.get(body.messageId);
      const message = await findMessage(db, actor.scope, conversationId, body.messageId);
      if (stream && stream.orgId === actor.scope.orgId && stream.conversationId === conversationId && !stream.finishing) {
        stream.priority = body.priority;
        targets = [stream.sender.principalId];
      } else if (message) {
        const updated = await updateMessage(db, actor.scope, conversationId, body.messageId, { priority: body.priority });
        deps.realtime.toConversation(conversationId, "message:updated", messageView(updated!));
        targets = message.senderType === "agent" ? [message.senderId] : [];
      } else {
        throw invalid("messageId", "no such message or active reply in this conversation");
      }
      stored = await deps.database.withTransaction((tx) => storeEvent(tx, actor, conversationId, { event: "priority", messageId, priority, reason }));
      break;
    }
  }

  const event = await announceMessage(deps, stored.before, stored.message, { toAssistants: false });
  if (body.event === "route" || body.event === "handoff") deps.realtime.toConversation(conversationId, "conversation:updated", conversationView(after));
  const notice: ControlNotice = {
    id: stored.message.id,
    conversationId,
    event: body.event,
    messageId,
    cancelled: effects.filter((e) => e.state === "cancelled").map((e) => e.messageId),
    to,
    reason,
    priority,
    by,
    at: stored.message.createdAt.toISOString(),
  };
  forwardControl(deps, actor.scope.orgId, notice, targets);
  const view = conversationView(after);
  return { event, streams: effects.map((e) => ({ messageId: e.messageId, state: e.state })), activeResponder: view.activeResponder, routedTo: view.routedTo };
}
