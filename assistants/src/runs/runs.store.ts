import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "@symbia/db";
import { runs, runSteps } from "../db/schema.js";
import type { AssistantsSchema } from "../deps.js";

type Db = Database<AssistantsSchema>;
export type RunRow = typeof runs.$inferSelect;
export type RunStepRow = typeof runSteps.$inferSelect;

/** A new run, owned by `owner` until `leaseMs` from now (renewed while it runs). */
export async function insertRun(database: Db, run: Omit<typeof runs.$inferInsert, "leaseUntil" | "status"> & { leaseMs: number }): Promise<RunRow> {
  const { leaseMs, ...values } = run;
  const [row] = await database.db.insert(runs).values({ ...values, status: "running", leaseUntil: new Date(Date.now() + leaseMs) }).returning();
  return row!;
}

/** Stores a run's checkpoint (after every action or node) and renews its lease. Only the owner writes. */
export async function checkpointRun(database: Db, runId: string, owner: string, checkpoint: Record<string, unknown>, leaseMs: number): Promise<void> {
  await database.db
    .update(runs)
    .set({ checkpoint, leaseUntil: new Date(Date.now() + leaseMs), updatedAt: new Date() })
    .where(and(eq(runs.id, runId), eq(runs.owner, owner), eq(runs.status, "running")));
}

/** Renews the leases of runs this process owns. */
export async function renewLeases(database: Db, runIds: string[], owner: string, leaseMs: number): Promise<void> {
  for (const id of runIds) {
    await database.db.update(runs).set({ leaseUntil: new Date(Date.now() + leaseMs) }).where(and(eq(runs.id, id), eq(runs.owner, owner), eq(runs.status, "running")));
  }
}

/** Ends a run (completed, failed with a reason, or cancelled). */
export async function finishRun(database: Db, runId: string, status: "completed" | "failed" | "cancelled", error?: { code: string; message: string; details?: unknown }, checkpoint?: Record<string, unknown>): Promise<void> {
  await database.db
    .update(runs)
    .set({ status, error: error ?? null, ...(checkpoint ? { checkpoint } : {}), finishedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")));
}

/** Appends a step to a run's log (seq is the next number for that run). */
export async function insertStep(database: Db, step: Omit<typeof runSteps.$inferInsert, "id" | "seq">): Promise<void> {
  const [last] = await database.db.select({ seq: runSteps.seq }).from(runSteps).where(eq(runSteps.runId, step.runId)).orderBy(desc(runSteps.seq)).limit(1);
  await database.db.insert(runSteps).values({ ...step, id: randomUUID(), seq: (last?.seq ?? 0) + 1 });
}

/**
 * Takes over runs left `running` whose lease expired (their process died): each is claimed with
 * a conditional UPDATE, so two processes never take the same run.
 */
export async function claimExpiredRuns(database: Db, owner: string, leaseMs: number, limit = 50): Promise<RunRow[]> {
  const now = new Date();
  const candidates = await database.db.select().from(runs).where(and(eq(runs.status, "running"), lt(runs.leaseUntil, now))).orderBy(asc(runs.createdAt)).limit(limit);
  const taken: RunRow[] = [];
  for (const run of candidates) {
    const [row] = await database.db
      .update(runs)
      .set({ owner, leaseUntil: new Date(Date.now() + leaseMs), resumedCount: sql`${runs.resumedCount} + 1`, updatedAt: new Date() })
      .where(and(eq(runs.id, run.id), eq(runs.status, "running"), eq(runs.owner, run.owner), lt(runs.leaseUntil, now)))
      .returning();
    if (row) taken.push(row);
  }
  return taken;
}

/** One run of an org. */
export async function findRun(database: Db, orgId: string, runId: string): Promise<RunRow | undefined> {
  const [row] = await database.db.select().from(runs).where(and(eq(runs.id, runId), eq(runs.orgId, orgId))).limit(1);
  return row;
}

/** Filters of {@link listRuns}. */
export interface RunFilters {
  status?: RunRow["status"] | undefined;
  assistant?: string | undefined;
  conversationId?: string | undefined;
  messageId?: string | undefined;
  limit: number;
}

/** An org's runs, newest first. */
export async function listRuns(database: Db, orgId: string, filters: RunFilters): Promise<RunRow[]> {
  const where: SQL[] = [eq(runs.orgId, orgId)];
  if (filters.status) where.push(eq(runs.status, filters.status));
  if (filters.assistant) where.push(eq(runs.assistantKey, filters.assistant));
  if (filters.conversationId) where.push(eq(runs.conversationId, filters.conversationId));
  if (filters.messageId) where.push(eq(runs.messageId, filters.messageId));
  return database.db.select().from(runs).where(and(...where)).orderBy(desc(runs.createdAt)).limit(filters.limit);
}

/** A run's log, in order. */
export async function listSteps(database: Db, runId: string): Promise<RunStepRow[]> {
  return database.db.select().from(runSteps).where(eq(runSteps.runId, runId)).orderBy(asc(runSteps.seq));
}
