import type { Db } from "@symbia/db";
import { currentContext } from "@symbia/http";
import type { Scope } from "@symbia/sys";
import { and, asc, desc, eq, gt, inArray, isNull, lt, ne, sql } from "drizzle-orm";
import { conversations, messages } from "../db/schema.js";
import type { ConversationRow } from "../conversations/conversations.store.js";

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = Omit<typeof messages.$inferInsert, "orgId" | "conversationId" | "sequence">;

/**
 * Appends a message to a conversation of the scope's org: increments the conversation's
 * `last_sequence` and inserts the message with it, in the caller's transaction. On PostgreSQL the
 * UPDATE holds the conversation's row lock until commit, so concurrent senders get consecutive
 * sequences and a rolled-back send gives its number back; on pg-mem transactions are serialized.
 * With `consumeRoute`, the conversation's one-shot `routed_to` is cleared in the same step.
 *
 * @returns the message and the conversation as it was before (its `routedTo` still set), or null
 * when the conversation is absent.
 */
export async function appendMessage(
  tx: Db,
  scope: Scope,
  conversationId: string,
  message: NewMessage,
  options: { consumeRoute?: boolean } = {},
): Promise<{ message: MessageRow; before: ConversationRow } | null> {
  const where = and(eq(conversations.orgId, scope.orgId), eq(conversations.id, conversationId));
  const [locked] = await tx
    .update(conversations)
    .set({ lastSequence: sql`${conversations.lastSequence} + 1`, updatedAt: new Date() })
    .where(where)
    .returning();
  if (!locked) return null;
  const before: ConversationRow = { ...locked };
  if (options.consumeRoute && locked.routedTo) await tx.update(conversations).set({ routedTo: null }).where(where);
  const [row] = await tx
    .insert(messages)
    .values({ traceId: currentContext()?.traceId ?? null, ...message, orgId: scope.orgId, conversationId, sequence: locked.lastSequence })
    .returning();
  return { message: row!, before };
}

/** A message of a conversation of the scope's org, or null. */
export async function findMessage(db: Db, scope: Scope, conversationId: string, id: string): Promise<MessageRow | null> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.orgId, scope.orgId), eq(messages.conversationId, conversationId), eq(messages.id, id)))
    .limit(1);
  return row ?? null;
}

/** A message by id in the scope's org, whatever its conversation (stream ids must be unique). */
export async function findMessageInOrg(db: Db, scope: Scope, id: string): Promise<MessageRow | null> {
  const [row] = await db.select().from(messages).where(and(eq(messages.orgId, scope.orgId), eq(messages.id, id))).limit(1);
  return row ?? null;
}

/** The message a sender sent with a client id (the idempotency key), in any conversation of the org. */
export async function findByClientId(db: Db, scope: Scope, senderId: string, clientId: string): Promise<MessageRow | null> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.orgId, scope.orgId), eq(messages.senderId, senderId), eq(messages.clientId, clientId)))
    .limit(1);
  return row ?? null;
}

/**
 * A page of a conversation by sequence, oldest first: after `after`, or the latest `limit`
 * before `before` (or overall). Fetches one more row than asked to know whether more remain.
 */
export async function listMessages(
  db: Db,
  scope: Scope,
  conversationId: string,
  query: { after?: number; before?: number; limit: number },
): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
  const base = and(eq(messages.orgId, scope.orgId), eq(messages.conversationId, conversationId));
  if (query.after !== undefined) {
    const rows = await db.select().from(messages).where(and(base, gt(messages.sequence, query.after))).orderBy(asc(messages.sequence)).limit(query.limit + 1);
    return { rows: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
  }
  const rows = await db
    .select()
    .from(messages)
    .where(query.before !== undefined ? and(base, lt(messages.sequence, query.before)) : base)
    .orderBy(desc(messages.sequence))
    .limit(query.limit + 1);
  return { rows: rows.slice(0, query.limit).reverse(), hasMore: rows.length > query.limit };
}

/** Replies to a message (its thread), oldest first. */
export async function listReplies(db: Db, scope: Scope, conversationId: string, messageId: string, limit: number): Promise<MessageRow[]> {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.orgId, scope.orgId), eq(messages.conversationId, conversationId), eq(messages.replyTo, messageId)))
    .orderBy(asc(messages.sequence))
    .limit(limit);
}

/** Updates a message's fields; null when absent. */
export async function updateMessage(db: Db, scope: Scope, conversationId: string, id: string, changes: Partial<typeof messages.$inferInsert>): Promise<MessageRow | null> {
  const [row] = await db
    .update(messages)
    .set(changes)
    .where(and(eq(messages.orgId, scope.orgId), eq(messages.conversationId, conversationId), eq(messages.id, id)))
    .returning();
  return row ?? null;
}

/** The latest undeleted message of a conversation not sent by an agent (what a preempt favours by default). */
export async function latestHumanMessage(db: Db, scope: Scope, conversationId: string): Promise<MessageRow | null> {
  const [row] = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.orgId, scope.orgId),
        eq(messages.conversationId, conversationId),
        ne(messages.senderType, "agent"),
        ne(messages.contentType, "event"),
        isNull(messages.deletedAt),
      ),
    )
    .orderBy(desc(messages.sequence))
    .limit(1);
  return row ?? null;
}

/** Messages by ids, within the scope's org. */
export async function findMessagesByIds(db: Db, scope: Scope, ids: string[]): Promise<MessageRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(messages).where(and(eq(messages.orgId, scope.orgId), inArray(messages.id, ids)));
}
