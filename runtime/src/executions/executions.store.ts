import type { Db } from "@symbia/db";
import type { Scope } from "@symbia/sys";
import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import * as schema from "../db/schema.js";
import { executionCheckpoints, executions } from "../db/schema.js";
import type { ExecutionState } from "./execution.states.js";
import type { ExecutionSnapshot } from "./execution.types.js";

/** The runtime's drizzle handle (root or transaction). */
export type RuntimeDb = Db<typeof schema>;
/** What store functions need of the tenant scope: the org every query is confined to. */
export type TenantScope = Pick<Scope, "orgId">;
/** A stored execution. */
export type ExecutionRow = typeof executions.$inferSelect;
/** Columns given when an execution is stored (the org comes from the scope). */
export type NewExecution = Omit<typeof executions.$inferInsert, "orgId" | "updatedAt">;
/** Columns that change over an execution's life. */
export type ExecutionPatch = Partial<Pick<ExecutionRow, "state" | "error" | "metrics" | "outputs" | "startedAt" | "endedAt">>;
/** A stored checkpoint. */
export type CheckpointRow = typeof executionCheckpoints.$inferSelect;

/** States of an execution an engine was running (resumed after a restart). */
export const LIVE_STATES: readonly ExecutionState[] = ["initializing", "running", "paused"];

/** Stores a new execution in the scope's org. */
export async function insertExecution(db: RuntimeDb, scope: TenantScope, values: NewExecution): Promise<ExecutionRow> {
  const [row] = await db
    .insert(executions)
    .values({ ...values, orgId: scope.orgId, updatedAt: values.createdAt ?? new Date() })
    .returning();
  return row as ExecutionRow;
}

/** The execution `id` of the scope's org, or null (also for another org's execution). */
export async function findExecution(db: RuntimeDb, scope: TenantScope, id: string): Promise<ExecutionRow | null> {
  const [row] = await db
    .select()
    .from(executions)
    .where(and(eq(executions.orgId, scope.orgId), eq(executions.id, id)))
    .limit(1);
  return row ?? null;
}

/** Query of {@link listExecutions}. */
export interface ListExecutionsQuery {
  state?: ExecutionState;
  /** Page size (the caller bounds it). */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

/**
 * The scope's executions, newest first, a page at a time.
 * @throws Error when `cursor` is malformed (the service maps it to 400).
 */
export async function listExecutions(db: RuntimeDb, scope: TenantScope, query: ListExecutionsQuery): Promise<{ items: ExecutionRow[]; nextCursor: string | null }> {
  const conditions = [eq(executions.orgId, scope.orgId)];
  if (query.state) conditions.push(eq(executions.state, query.state));
  if (query.cursor) {
    const { createdAt, id } = decodeCursor(query.cursor);
    conditions.push(or(lt(executions.createdAt, createdAt), and(eq(executions.createdAt, createdAt), lt(executions.id, id))) as ReturnType<typeof eq>);
  }
  const rows = await db
    .select()
    .from(executions)
    .where(and(...conditions))
    .orderBy(desc(executions.createdAt), desc(executions.id))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
}

/** Applies `patch` to the scope's execution `id`; false when there is no such execution. */
export async function updateExecution(db: RuntimeDb, scope: TenantScope, id: string, patch: ExecutionPatch): Promise<boolean> {
  const rows = await db
    .update(executions)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(executions.orgId, scope.orgId), eq(executions.id, id)))
    .returning({ id: executions.id });
  return rows.length > 0;
}

/**
 * Replaces the checkpoint of the scope's execution `executionId` with `snapshot` as number
 * `seq`. A checkpoint older than the stored one (lower `seq`) is ignored.
 */
export async function saveCheckpoint(db: RuntimeDb, scope: TenantScope, executionId: string, seq: number, snapshot: ExecutionSnapshot): Promise<void> {
  const takenAt = new Date();
  await db
    .insert(executionCheckpoints)
    .values({ executionId, orgId: scope.orgId, seq, snapshot, takenAt })
    .onConflictDoUpdate({
      target: executionCheckpoints.executionId,
      set: { seq, snapshot, takenAt },
      setWhere: and(eq(executionCheckpoints.orgId, scope.orgId), lt(executionCheckpoints.seq, seq)),
    });
}

/** The checkpoint of the scope's execution `executionId`, or null. */
export async function findCheckpoint(db: RuntimeDb, scope: TenantScope, executionId: string): Promise<CheckpointRow | null> {
  const [row] = await db
    .select()
    .from(executionCheckpoints)
    .where(and(eq(executionCheckpoints.orgId, scope.orgId), eq(executionCheckpoints.executionId, executionId)))
    .limit(1);
  return row ?? null;
}

/** Removes the checkpoint of the scope's execution (when it ends). */
export async function deleteCheckpoint(db: RuntimeDb, scope: TenantScope, executionId: string): Promise<void> {
  await db.delete(executionCheckpoints).where(and(eq(executionCheckpoints.orgId, scope.orgId), eq(executionCheckpoints.executionId, executionId)));
}

/**
 * Executions an engine was running when it stopped (initializing, running or paused), in every
 * org: what a starting engine resumes. Cross-tenant by design, hence the name.
 */
export async function listLiveExecutionsAcrossOrgs(db: RuntimeDb): Promise<ExecutionRow[]> {
  return db
    .select()
    .from(executions)
    .where(inArray(executions.state, [...LIVE_STATES]))
    .orderBy(executions.createdAt, executions.id);
}

function encodeCursor(row: ExecutionRow): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new Error("malformed cursor");
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== "string" || typeof parsed[1] !== "string") throw new Error("malformed cursor");
  const createdAt = new Date(parsed[0]);
  if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(parsed[1])) throw new Error("malformed cursor");
  return { createdAt, id: parsed[1] };
}
