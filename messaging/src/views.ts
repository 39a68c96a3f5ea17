import type { Conversation, Handoff, Message, Participant, PrincipalRef } from "@symbia/messaging-client";
import type { ConversationRow, HandoffRow, ParticipantRow } from "./conversations/conversations.store.js";
import type { MessageRow } from "./messages/messages.store.js";

/** Rows → wire objects (camelCase, ISO timestamps, deleted content hidden). */

export function conversationView(row: ConversationRow): Conversation {
  return {
    id: row.id,
    orgId: row.orgId,
    type: row.type,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    joinPolicy: row.joinPolicy,
    createdBy: row.createdBy,
    activeResponder: row.activeResponderId ? { principalId: row.activeResponderId, principalType: row.activeResponderType as PrincipalRef["principalType"] } : null,
    routedTo: row.routedTo,
    lastSequence: row.lastSequence,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function participantView(row: ParticipantRow): Participant {
  return {
    conversationId: row.conversationId,
    principalId: row.principalId,
    principalType: row.principalType,
    entityId: row.entityId,
    role: row.role,
    displayName: row.displayName,
    lastReadSequence: row.lastReadSequence,
    joinedAt: row.joinedAt.toISOString(),
  };
}

/** A message as every read returns it: a soft-deleted message keeps its place, not its content. */
export function messageView(row: MessageRow): Message {
  const deleted = row.deletedAt !== null;
  return {
    id: row.id,
    conversationId: row.conversationId,
    orgId: row.orgId,
    sequence: row.sequence,
    sender: { principalId: row.senderId, principalType: row.senderType, entityId: row.senderEntityId },
    clientId: row.clientId,
    content: deleted ? null : row.content,
    contentType: row.contentType,
    replyTo: row.replyTo,
    metadata: deleted ? {} : row.metadata,
    priority: row.priority,
    status: row.status,
    editedAt: row.editedAt?.toISOString() ?? null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    traceId: row.traceId,
    createdAt: row.createdAt.toISOString(),
  };
}

export function handoffView(row: HandoffRow): Handoff {
  return {
    id: row.id,
    conversationId: row.conversationId,
    from: row.fromId ? { principalId: row.fromId, principalType: row.fromType as PrincipalRef["principalType"] } : null,
    to: { principalId: row.toId, principalType: row.toType as PrincipalRef["principalType"] },
    by: row.byId,
    reason: row.reason,
    eventMessageId: row.eventMessageId,
    createdAt: row.createdAt.toISOString(),
  };
}
