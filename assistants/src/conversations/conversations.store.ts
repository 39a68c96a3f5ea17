import { and, eq, sql } from "drizzle-orm";
import type { Database } from "@symbia/db";
import { conversationStates } from "../db/schema.js";
import type { AssistantsSchema } from "../deps.js";
import type { ConversationState } from "./state.js";

/** How many messages of a conversation are kept for model history. */
export const HISTORY_LIMIT = 50;

/** A conversation as the assistants service keeps it. */
export interface ConversationRecord {
  orgId: string;
  conversationId: string;
  state: ConversationState;
  context: Record<string, unknown>;
  handoff: Record<string, unknown> | null;
  history: Array<{ id: string; role: "user" | "assistant"; content: string; sender: string }>;
}

type Db = Database<AssistantsSchema>;

/** The conversation's record (a fresh `idle` one when none is stored yet). */
export async function getConversation(database: Db, orgId: string, conversationId: string): Promise<ConversationRecord> {
  const [row] = await database.db.select().from(conversationStates).where(and(eq(conversationStates.orgId, orgId), eq(conversationStates.conversationId, conversationId))).limit(1);
  if (!row) return { orgId, conversationId, state: "idle", context: {}, handoff: null, history: [] };
  return { orgId, conversationId, state: row.state as ConversationState, context: row.context, handoff: row.handoff, history: row.history };
}

/** Writes fields of a conversation's record (inserting it when new). */
export async function saveConversation(database: Db, orgId: string, conversationId: string, patch: Partial<Omit<ConversationRecord, "orgId" | "conversationId">>): Promise<void> {
  const current = await getConversation(database, orgId, conversationId);
  const next = { ...current, ...patch };
  await database.db
    .insert(conversationStates)
    .values({ orgId, conversationId, state: next.state, context: next.context, handoff: next.handoff, history: next.history, updatedAt: new Date() })
    .onConflictDoUpdate({
      target: [conversationStates.orgId, conversationStates.conversationId],
      set: { ...(patch.state ? { state: patch.state } : {}), ...(patch.context ? { context: patch.context } : {}), ...("handoff" in patch ? { handoff: patch.handoff ?? null } : {}), ...(patch.history ? { history: patch.history } : {}), updatedAt: sql`now()` },
    });
}

/** Appends a message to the conversation's history (idempotent by message id; bounded). */
export async function appendHistory(database: Db, orgId: string, conversationId: string, entry: ConversationRecord["history"][number]): Promise<void> {
  const current = await getConversation(database, orgId, conversationId);
  if (current.history.some((h) => h.id === entry.id)) return;
  await saveConversation(database, orgId, conversationId, { history: [...current.history, entry].slice(-HISTORY_LIMIT) });
}
