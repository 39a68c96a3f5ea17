import type { Db } from "@symbia/db";
import type { Scope } from "@symbia/sys";
import { and, asc, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { conversations, handoffs, participants } from "../db/schema.js";

export type ConversationRow = typeof conversations.$inferSelect;
export type ParticipantRow = typeof participants.$inferSelect;
export type HandoffRow = typeof handoffs.$inferSelect;

/** The conversation `id` of the scope's org, or null. */
export async function findConversation(db: Db, scope: Scope, id: string): Promise<ConversationRow | null> {
  const [row] = await db.select().from(conversations).where(and(eq(conversations.orgId, scope.orgId), eq(conversations.id, id))).limit(1);
  return row ?? null;
}

/**
 * The conversation `id` of the scope's org with `principalId`'s participant row (null when it does
 * not take part), in one query; null when the conversation is absent.
 */
export async function findConversationWithParticipant(db: Db, scope: Scope, id: string, principalId: string): Promise<{ conversation: ConversationRow; participant: ParticipantRow | null } | null> {
  const [row] = await db
    .select({ conversation: conversations, participant: participants })
    .from(conversations)
    .leftJoin(participants, and(eq(participants.conversationId, conversations.id), eq(participants.principalId, principalId)))
    .where(and(eq(conversations.orgId, scope.orgId), eq(conversations.id, id)))
    .limit(1);
  return row ? { conversation: row.conversation, participant: row.participant } : null;
}

/** Inserts a conversation of the scope's org. */
export async function insertConversation(db: Db, scope: Scope, row: Omit<typeof conversations.$inferInsert, "orgId">): Promise<ConversationRow> {
  const [created] = await db.insert(conversations).values({ ...row, orgId: scope.orgId }).returning();
  return created!;
}

/** Updates a conversation of the scope's org; null when absent. */
export async function updateConversation(db: Db, scope: Scope, id: string, changes: Partial<typeof conversations.$inferInsert>): Promise<ConversationRow | null> {
  const [row] = await db
    .update(conversations)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(conversations.orgId, scope.orgId), eq(conversations.id, id)))
    .returning();
  return row ?? null;
}

/** Deletes a conversation (participants, messages and handoffs cascade). */
export async function deleteConversation(db: Db, scope: Scope, id: string): Promise<void> {
  await db.delete(conversations).where(and(eq(conversations.orgId, scope.orgId), eq(conversations.id, id)));
}

/** Conversations `principalId` takes part in, most recently active first, from `offset`. */
export async function listConversationsOf(db: Db, scope: Scope, principalId: string, limit: number, offset: number): Promise<ConversationRow[]> {
  const mine = db
    .select({ id: participants.conversationId })
    .from(participants)
    .where(and(eq(participants.orgId, scope.orgId), eq(participants.principalId, principalId)));
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.orgId, scope.orgId), inArray(conversations.id, mine)))
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(limit)
    .offset(offset);
}

/** Ids of every conversation of `orgId` that `principalId` takes part in (for joining rooms). */
export async function conversationIdsOf(db: Db, scope: Scope, principalId: string): Promise<string[]> {
  const rows = await db
    .select({ id: participants.conversationId })
    .from(participants)
    .where(and(eq(participants.orgId, scope.orgId), eq(participants.principalId, principalId)));
  return rows.map((r) => r.id);
}

/** The participant `principalId` of a conversation of the scope's org, or null. */
export async function findParticipant(db: Db, scope: Scope, conversationId: string, principalId: string): Promise<ParticipantRow | null> {
  const [row] = await db
    .select()
    .from(participants)
    .where(and(eq(participants.orgId, scope.orgId), eq(participants.conversationId, conversationId), eq(participants.principalId, principalId)))
    .limit(1);
  return row ?? null;
}

/** Every participant of a conversation, in joining order. */
export async function listParticipants(db: Db, scope: Scope, conversationId: string): Promise<ParticipantRow[]> {
  return db
    .select()
    .from(participants)
    .where(and(eq(participants.orgId, scope.orgId), eq(participants.conversationId, conversationId)))
    .orderBy(asc(participants.joinedAt), asc(participants.principalId));
}

/** Inserts participants one by one (pg-mem mishandles defaults in multi-row inserts). */
export async function insertParticipants(db: Db, scope: Scope, rows: Omit<typeof participants.$inferInsert, "orgId">[]): Promise<ParticipantRow[]> {
  const out: ParticipantRow[] = [];
  for (const row of rows) {
    const [created] = await db.insert(participants).values({ ...row, orgId: scope.orgId }).returning();
    out.push(created!);
  }
  return out;
}

/** Removes a participant; true when a row went away. */
export async function deleteParticipant(db: Db, scope: Scope, conversationId: string, principalId: string): Promise<boolean> {
  const rows = await db
    .delete(participants)
    .where(and(eq(participants.orgId, scope.orgId), eq(participants.conversationId, conversationId), eq(participants.principalId, principalId)))
    .returning({ id: participants.principalId });
  return rows.length > 0;
}

/** Changes a participant's role. */
export async function updateParticipantRole(db: Db, scope: Scope, conversationId: string, principalId: string, role: ParticipantRow["role"]): Promise<ParticipantRow | null> {
  const [row] = await db
    .update(participants)
    .set({ role })
    .where(and(eq(participants.orgId, scope.orgId), eq(participants.conversationId, conversationId), eq(participants.principalId, principalId)))
    .returning();
  return row ?? null;
}

/** Moves a read marker forward only (an older marker never overwrites a newer one). */
export async function advanceReadMarker(db: Db, scope: Scope, conversationId: string, principalId: string, sequence: number): Promise<void> {
  await db
    .update(participants)
    .set({ lastReadSequence: sequence })
    .where(
      and(
        eq(participants.orgId, scope.orgId),
        eq(participants.conversationId, conversationId),
        eq(participants.principalId, principalId),
        lt(participants.lastReadSequence, sequence),
      ),
    );
}

/** Counts the owners of a conversation. */
export async function countOwners(db: Db, scope: Scope, conversationId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(participants)
    .where(and(eq(participants.orgId, scope.orgId), eq(participants.conversationId, conversationId), eq(participants.role, "owner")));
  return Number(row?.n ?? 0);
}

/** Records a handoff. */
export async function insertHandoff(db: Db, scope: Scope, row: Omit<typeof handoffs.$inferInsert, "orgId">): Promise<HandoffRow> {
  const [created] = await db.insert(handoffs).values({ ...row, orgId: scope.orgId }).returning();
  return created!;
}

/** A conversation's handoffs, oldest first. */
export async function listHandoffs(db: Db, scope: Scope, conversationId: string): Promise<HandoffRow[]> {
  return db
    .select()
    .from(handoffs)
    .where(and(eq(handoffs.orgId, scope.orgId), eq(handoffs.conversationId, conversationId)))
    .orderBy(asc(handoffs.createdAt), asc(handoffs.id));
}
