import { and, eq } from "drizzle-orm";
import { turnBids, turnClaims } from "../db/schema.js";
import type { AssistantsDeps } from "../deps.js";

/** One assistant's bid for a message's turn. */
export interface TurnBid {
  assistantKey: string;
  /** The matched rule's priority (graph-only assistants bid 0). */
  priority: number;
  /** 0–1: how sure the assistant is the message is for it. */
  confidence: number;
  ruleId?: string | undefined;
}

/** The decided turn of a message. */
export interface TurnDecision {
  messageId: string;
  assistantKey: string;
  instanceId: string;
  runId: string;
  justification: Record<string, unknown>;
  /** True when this process runs the turn. */
  mine: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The winner of a set of bids: highest priority, then confidence, then earliest bid, then key. */
export function pickWinner<T extends { assistantKey: string; priority: number; confidence: number; createdAt: Date }>(bids: readonly T[]): T | undefined {
  return [...bids].sort((a, b) => b.priority - a.priority || b.confidence - a.confidence || a.createdAt.getTime() - b.createdAt.getTime() || a.assistantKey.localeCompare(b.assistantKey))[0];
}

/**
 * Decides who answers a message, in the database so that every process agrees: this process's
 * bids are inserted (one row per message and assistant; repeats ignored), the claim window
 * passes, then the winner among all bids (see {@link pickWinner}) is claimed with an INSERT into
 * `turn_claims`, whose primary key is the message id — the first process to insert runs the turn,
 * every other one reads the row and defers. A claim already present (a late process) is final.
 */
export async function decideTurn(
  deps: Pick<AssistantsDeps, "database" | "config">,
  input: { orgId: string; conversationId: string; messageId: string; bids: TurnBid[]; runId: string; isLocal: (assistantKey: string) => boolean },
): Promise<TurnDecision | null> {
  const db = deps.database.db;
  const me = deps.config.instanceId;
  const existing = async () => {
    const [row] = await db.select().from(turnClaims).where(eq(turnClaims.messageId, input.messageId)).limit(1);
    return row ? { messageId: row.messageId, assistantKey: row.assistantKey, instanceId: row.instanceId, runId: row.runId, justification: row.justification, mine: row.instanceId === me && row.runId === input.runId } : null;
  };
  const early = await existing();
  if (early) return early;
  for (const bid of input.bids) {
    await db
      .insert(turnBids)
      .values({ orgId: input.orgId, messageId: input.messageId, assistantKey: bid.assistantKey, priority: bid.priority, confidence: bid.confidence, ruleId: bid.ruleId ?? null, instanceId: me })
      .onConflictDoNothing();
  }
  if (deps.config.claimWindowMs > 0) await sleep(deps.config.claimWindowMs);
  const decided = await existing();
  if (decided) return decided;
  const bids = await db.select().from(turnBids).where(and(eq(turnBids.messageId, input.messageId), eq(turnBids.orgId, input.orgId)));
  const winner = pickWinner(bids);
  if (!winner || !input.isLocal(winner.assistantKey)) {
    // Not ours to claim: give the process that bid for the winner a moment, then read its claim.
    await sleep(Math.max(50, deps.config.claimWindowMs));
    return existing();
  }
  const justification = {
    rule: "highest priority, then confidence, then earliest bid, then assistant key",
    windowMs: deps.config.claimWindowMs,
    winner: { assistantKey: winner.assistantKey, priority: winner.priority, confidence: winner.confidence, ruleId: winner.ruleId },
    bids: bids.map((b) => ({ assistantKey: b.assistantKey, priority: b.priority, confidence: b.confidence, ruleId: b.ruleId, instanceId: b.instanceId, at: b.createdAt.toISOString() })),
  };
  const inserted = await db
    .insert(turnClaims)
    .values({ messageId: input.messageId, orgId: input.orgId, conversationId: input.conversationId, assistantKey: winner.assistantKey, instanceId: me, runId: input.runId, justification, leaseUntil: new Date(Date.now() + 60_000) })
    .onConflictDoNothing()
    .returning();
  if (inserted.length) return { messageId: input.messageId, assistantKey: winner.assistantKey, instanceId: me, runId: input.runId, justification, mine: true };
  return existing();
}
