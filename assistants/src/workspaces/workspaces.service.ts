import { and, desc, eq, isNull } from "drizzle-orm";
import { AppError, type Scope } from "@symbia/sys";
import type { CreateWorkspaceBody, WorkspaceView } from "../api.js";
import { codeToolAudit, workspaces } from "../db/schema.js";
import type { AssistantsDeps } from "../deps.js";
import { ToolCall, type ToolActor, type ToolAuditRecord, type ToolInvocationResult } from "../tools/schemas.js";

type WorkspaceRow = typeof workspaces.$inferSelect;

function view(row: WorkspaceRow): WorkspaceView {
  return { id: row.id, orgId: row.orgId, label: row.label, createdBy: row.createdBy, createdAt: row.createdAt.toISOString() };
}

/** Orgs of actors whose calls are in flight: lets the audit hook file each record under its org. */
const actorOrgs = new WeakMap<ToolActor, string>();

/** An actor object for one call, remembered with its org for {@link recordAudit}. */
export function toolActor(scope: Scope, extra: { runId?: string | undefined; conversationId?: string | undefined } = {}): ToolActor {
  const actor: ToolActor = { principalId: scope.principalId, ...(extra.runId ? { runId: extra.runId } : {}), ...(extra.conversationId ? { conversationId: extra.conversationId } : {}) };
  actorOrgs.set(actor, scope.orgId);
  return actor;
}

/** The code tools' audit hook: stores each record under the org of its workspace (or its actor's). */
export async function recordAudit(deps: Pick<AssistantsDeps, "database">, record: ToolAuditRecord): Promise<void> {
  let orgId = record.actor ? actorOrgs.get(record.actor) : undefined;
  if (!orgId) {
    const [row] = await deps.database.db.select({ orgId: workspaces.orgId }).from(workspaces).where(eq(workspaces.id, record.workspaceId)).limit(1);
    orgId = row?.orgId;
  }
  if (!orgId) return; // a workspace no tenant owns (made directly through the library): nothing to file it under
  await deps.database.db.insert(codeToolAudit).values({
    id: record.id, orgId, workspaceId: record.workspaceId, tool: record.tool, outcome: record.outcome, args: record.args,
    actor: (record.actor ?? null) as Record<string, unknown> | null, limitHit: record.limit ?? null, exitCode: record.exitCode ?? null, outputBytes: record.outputBytes ?? null,
    error: record.error ?? null, startedAt: new Date(record.startedAt), durationMs: record.durationMs,
  });
}

async function findWorkspace(deps: Pick<AssistantsDeps, "database">, scope: Scope, id: string): Promise<WorkspaceRow> {
  const [row] = await deps.database.db.select().from(workspaces).where(and(eq(workspaces.id, id), eq(workspaces.orgId, scope.orgId), isNull(workspaces.deletedAt))).limit(1);
  if (!row) throw new AppError("not_found", "workspace not found");
  return row;
}

/** Creates a workspace for the scope's org. */
export async function createWorkspace(deps: Pick<AssistantsDeps, "database" | "codeTools">, scope: Scope, body: CreateWorkspaceBody): Promise<WorkspaceView> {
  const created = await deps.codeTools.createWorkspace({ ...(body.label ? { label: body.label } : {}), actor: toolActor(scope, body) });
  const [row] = await deps.database.db
    .insert(workspaces)
    .values({ id: created.id, orgId: scope.orgId, label: body.label ?? null, createdBy: scope.principalId, createdAt: new Date(created.createdAt) })
    .returning();
  return view(row!);
}

/** The org's workspaces, newest first. */
export async function listWorkspaces(deps: Pick<AssistantsDeps, "database">, scope: Scope): Promise<WorkspaceView[]> {
  const rows = await deps.database.db.select().from(workspaces).where(and(eq(workspaces.orgId, scope.orgId), isNull(workspaces.deletedAt))).orderBy(desc(workspaces.createdAt)).limit(500);
  return rows.map(view);
}

/** One workspace of the scope's org. @throws AppError("not_found") for unknown ids and other orgs' workspaces. */
export async function getWorkspace(deps: Pick<AssistantsDeps, "database">, scope: Scope, id: string): Promise<WorkspaceView> {
  return view(await findWorkspace(deps, scope, id));
}

/** Removes a workspace (its calls are killed, its folder and uid released). */
export async function deleteWorkspace(deps: Pick<AssistantsDeps, "database" | "codeTools">, scope: Scope, id: string): Promise<void> {
  await findWorkspace(deps, scope, id);
  await deps.codeTools.destroyWorkspace(id, toolActor(scope)).catch((error) => {
    // Already gone from disk (another process removed it): the row still goes.
    if (!(error instanceof AppError && error.code === "not_found")) throw error;
  });
  await deps.database.db.update(workspaces).set({ deletedAt: new Date() }).where(eq(workspaces.id, id));
}

/** Runs one tool call in a workspace of the scope's org. */
export async function invokeTool(
  deps: Pick<AssistantsDeps, "database" | "codeTools">,
  scope: Scope,
  id: string,
  body: { tool: string; args: Record<string, unknown>; context?: { runId?: string | undefined; conversationId?: string | undefined } | undefined },
  signal?: AbortSignal,
): Promise<ToolInvocationResult> {
  await findWorkspace(deps, scope, id);
  const call = ToolCall.parse({ tool: body.tool, args: body.args });
  return deps.codeTools.invoke(id, call, { actor: toolActor(scope, body.context ?? {}), ...(signal ? { signal } : {}) });
}

/** A workspace's audit records, newest first. */
export async function workspaceAudit(deps: Pick<AssistantsDeps, "database">, scope: Scope, id: string, limit = 200): Promise<ToolAuditRecord[]> {
  const [row] = await deps.database.db.select().from(workspaces).where(and(eq(workspaces.id, id), eq(workspaces.orgId, scope.orgId))).limit(1);
  if (!row) throw new AppError("not_found", "workspace not found");
  const rows = await deps.database.db.select().from(codeToolAudit).where(and(eq(codeToolAudit.workspaceId, id), eq(codeToolAudit.orgId, scope.orgId))).orderBy(desc(codeToolAudit.startedAt)).limit(limit);
  return rows.map((r) => ({
    id: r.id, workspaceId: r.workspaceId, tool: r.tool as ToolAuditRecord["tool"], startedAt: r.startedAt.toISOString(), durationMs: r.durationMs,
    outcome: r.outcome as ToolAuditRecord["outcome"], args: r.args,
    ...(r.actor ? { actor: r.actor as ToolActor } : {}), ...(r.limitHit ? { limit: r.limitHit as ToolAuditRecord["limit"] & string } : {}),
    ...(r.exitCode !== null ? { exitCode: r.exitCode } : {}), ...(r.outputBytes !== null ? { outputBytes: r.outputBytes } : {}), ...(r.error ? { error: r.error } : {}),
  }));
}
