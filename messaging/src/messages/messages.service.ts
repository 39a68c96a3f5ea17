import { randomUUID } from "node:crypto";
import { sqlState } from "@symbia/db";
import type { EditMessageBody, ListMessagesQuery, Message, MessageDeleted, Page, SendMessageBody, SyncPayload, SyncResult } from "@symbia/messaging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import type { z } from "zod";
import { refOf, requireEntitlement, type Actor } from "../actor.js";
import { publishMessageNew } from "../bus/dispatch.js";
import { requireParticipant } from "../conversations/conversations.service.js";
import type { ConversationRow } from "../conversations/conversations.store.js";
import type { MessagingDeps } from "../deps.js";
import { messageView } from "../views.js";
import * as store from "./messages.store.js";

const CAP = CAPABILITIES.messaging;

function invalid(path: string, message: string): AppError {
  return new AppError("validation_failed", "invalid request", { issues: [{ path, message }] });
}

/** The first message sent with a client id, or 409 when that id was used in another conversation. */
function replayOf(existing: store.MessageRow, conversationId: string): { message: Message; replayed: true } {
  if (existing.conversationId !== conversationId) throw new AppError("conflict", "this clientId was already used in another conversation", { clientId: existing.clientId });
  return { message: messageView(existing), replayed: true };
}

/** Broadcasts a stored message to the conversation and hands it to the assistants (without waiting for them). */
export async function announceMessage(deps: MessagingDeps, before: ConversationRow, row: store.MessageRow, options: { toAssistants: boolean }): Promise<Message> {
  const message = messageView(row);
  deps.realtime.toConversation(row.conversationId, "message:new", message, { crossInstance: before.type === "website" });
  // The sender's ack does not wait for the assistants (best-effort delivery, idempotent by event id).
  if (options.toAssistants) void publishMessageNew(deps, before, message).catch((error: unknown) => deps.logger.error({ err: error }, "publishing message.new failed"));
  return message;
}

/**
 * Sends a message (REST `POST …/messages`, socket `message:send`, bus `message.response`).
 * Idempotent by `clientId` per sender: the same id in the same conversation returns the first
 * message (`replayed: true`); in another conversation → 409. The sequence is taken in the same
 * transaction as the insert (see `appendMessage`). A person's message consumes a pending route.
 */
export async function sendMessage(deps: MessagingDeps, actor: Actor, conversationId: string, body: z.output<typeof SendMessageBody>): Promise<{ message: Message; replayed: boolean }> {
  requireEntitlement(actor, CAP.send);
  const db = deps.database.db;
  await requireParticipant(deps, actor, conversationId);
  if (body.replyTo && !(await store.findMessage(db, actor.scope, conversationId, body.replyTo))) throw invalid("replyTo", "no such message in this conversation");
  const sender = refOf(actor);
  let result: Awaited<ReturnType<typeof store.appendMessage>>;
  try {
    result = await deps.database.withTransaction((tx) =>
      store.appendMessage(
        tx,
        actor.scope,
        conversationId,
        {
          id: randomUUID(),
          senderId: sender.principalId,
          senderType: sender.principalType,
          senderEntityId: sender.entityId,
          clientId: body.clientId ?? null,
          content: body.content,
          contentType: body.contentType,
          replyTo: body.replyTo ?? null,
          metadata: body.metadata ?? {},
          priority: body.priority,
          status: "complete",
        },
        { consumeRoute: actor.kind !== "agent" },
      ),
    );
  } catch (error) {
    // A repeated client id hits the unique index (the transaction, sequence included, rolls
    // back): answer with the first message. No look-up before, so a normal send costs nothing.
    if (body.clientId && sqlState(error) === "23505") {
      const existing = await store.findByClientId(db, actor.scope, actor.scope.principalId, body.clientId);
      if (existing) return replayOf(existing, conversationId);
    }
    throw error;
  }
  if (!result) throw new AppError("not_found", "conversation not found");
  return { message: await announceMessage(deps, result.before, result.message, { toAssistants: true }), replayed: false };
}

/** A page of a conversation's messages by sequence (see `ListMessagesQuery`). */
export async function listMessages(deps: MessagingDeps, actor: Actor, conversationId: string, query: z.output<typeof ListMessagesQuery>): Promise<Page<Message>> {
  requireEntitlement(actor, CAP.read);
  await requireParticipant(deps, actor, conversationId);
  const { rows, hasMore } = await store.listMessages(deps.database.db, actor.scope, conversationId, query);
  const edge = query.after !== undefined ? rows.at(-1) : rows[0];
  return { items: rows.map(messageView), nextCursor: hasMore && edge ? String(edge.sequence) : null };
}

/** One message. */
export async function getMessage(deps: MessagingDeps, actor: Actor, conversationId: string, messageId: string): Promise<Message> {
  requireEntitlement(actor, CAP.read);
  await requireParticipant(deps, actor, conversationId);
  const row = await store.findMessage(deps.database.db, actor.scope, conversationId, messageId);
  if (!row) throw new AppError("not_found", "message not found");
  return messageView(row);
}

/** The replies to a message, oldest first. */
export async function listThread(deps: MessagingDeps, actor: Actor, conversationId: string, messageId: string, limit: number): Promise<{ root: Message; items: Message[] }> {
  const root = await getMessage(deps, actor, conversationId, messageId);
  const rows = await store.listReplies(deps.database.db, actor.scope, conversationId, messageId, limit);
  return { root, items: rows.map(messageView) };
}

/** Edits a message's content (its sender only; not event messages or deleted ones). */
export async function editMessage(deps: MessagingDeps, actor: Actor, conversationId: string, messageId: string, body: z.output<typeof EditMessageBody>): Promise<Message> {
  requireEntitlement(actor, CAP.send);
  await requireParticipant(deps, actor, conversationId);
  const db = deps.database.db;
  const row = await store.findMessage(db, actor.scope, conversationId, messageId);
  if (!row) throw new AppError("not_found", "message not found");
  if (row.senderId !== actor.scope.principalId) throw new AppError("forbidden", "only the sender edits a message");
  if (row.deletedAt) throw new AppError("conflict", "the message was deleted");
  if (row.contentType === "event") throw new AppError("conflict", "event messages cannot be edited");
  if (row.contentType === "json") {
    try {
      JSON.parse(body.content);
    } catch {
      throw invalid("content", "content of type json must be valid JSON");
    }
  }
  const updated = await store.updateMessage(db, actor.scope, conversationId, messageId, { content: body.content, ...(body.metadata ? { metadata: body.metadata } : {}), editedAt: new Date() });
  const view = messageView(updated!);
  deps.realtime.toConversation(conversationId, "message:updated", view);
  return view;
}

/** Soft-deletes a message (its sender, or a conversation owner or admin): content and metadata are erased, the row and sequence stay. */
export async function deleteMessage(deps: MessagingDeps, actor: Actor, conversationId: string, messageId: string): Promise<MessageDeleted> {
  requireEntitlement(actor, CAP.send);
  const { participant } = await requireParticipant(deps, actor, conversationId);
  const db = deps.database.db;
  const row = await store.findMessage(db, actor.scope, conversationId, messageId);
  if (!row) throw new AppError("not_found", "message not found");
  if (row.senderId !== actor.scope.principalId && participant.role === "member") throw new AppError("forbidden", "only the sender or an admin deletes a message");
  if (row.deletedAt) throw new AppError("conflict", "the message was already deleted");
  await store.updateMessage(db, actor.scope, conversationId, messageId, { content: null, metadata: {}, deletedAt: new Date(), deletedBy: actor.scope.principalId });
  const event = { conversationId, messageId, sequence: row.sequence, deletedBy: actor.scope.principalId };
  deps.realtime.toConversation(conversationId, "message:deleted", event);
  return event;
}

/**
 * What a reconnecting client missed: for each conversation, the messages after the sequence it
 * last saw, oldest first (at most `limit`; `hasMore` asks for another call). Conversations it
 * does not take part in answer 403/404 like everywhere else.
 */
export async function syncConversations(deps: MessagingDeps, actor: Actor, payload: z.output<typeof SyncPayload>): Promise<SyncResult> {
  requireEntitlement(actor, CAP.read);
  const items: SyncResult["items"] = [];
  for (const { conversationId, afterSequence } of payload.conversations) {
    const { conversation } = await requireParticipant(deps, actor, conversationId);
    const { rows, hasMore } = await store.listMessages(deps.database.db, actor.scope, conversationId, { after: afterSequence, limit: payload.limit });
    items.push({ conversationId, messages: rows.map(messageView), hasMore, lastSequence: conversation.lastSequence });
  }
  return { items };
}
