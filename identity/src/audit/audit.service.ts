import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { currentContext } from "@symbia/http";
import { AppError, type Principal } from "@symbia/sys";
import type { IdentityDeps } from "../deps.js";
import { auditLog } from "../db/schema.js";

/** One security-relevant event. */
export interface AuditEvent {
  action: string;
  outcome: "success" | "failure";
  orgId?: string | null;
  actor?: Pick<Principal, "id" | "type"> | null;
  targetType?: string;
  targetId?: string;
  ip?: string;
  details?: Record<string, unknown>;
}

/**
 * Appends to the audit log (login ok/failed, tokens and keys created or revoked, entitlement and
 * role changes, credential reads…). Never stores secrets: callers pass ids and prefixes only.
 * Awaited, so a security action is not reported done before it is recorded.
 */
export async function audit(deps: IdentityDeps, event: AuditEvent): Promise<void> {
  await deps.database.db.insert(auditLog).values({
    orgId: event.orgId ?? null,
    actorId: event.actor?.id ?? null,
    actorType: event.actor?.type ?? null,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    outcome: event.outcome,
    ip: event.ip ?? null,
    traceId: currentContext()?.traceId ?? null,
    details: event.details ?? {},
  });
}

/** Filters of the audit query. */
export interface AuditQuery {
  orgId: string;
  action?: string;
  actorId?: string;
  limit: number;
  cursor?: string;
}

/**
 * Pages the audit log of one org, newest first. Org admins (`cap:identity.audit.read` in that
 * org) and the super admin only.
 */
export async function listAudit(deps: IdentityDeps, caller: Principal, query: AuditQuery) {
  const membership = caller.orgs.find((o) => o.orgId === query.orgId);
  if (!caller.superAdmin && !membership) throw new AppError("not_found", "organization not found");
  if (!caller.superAdmin && !membership!.entitlements.includes("cap:identity.audit.read")) throw new AppError("forbidden", "missing entitlement cap:identity.audit.read", { entitlement: "cap:identity.audit.read" });
  const conditions: SQL[] = [eq(auditLog.orgId, query.orgId)];
  if (query.action) conditions.push(eq(auditLog.action, query.action));
  if (query.actorId) conditions.push(eq(auditLog.actorId, query.actorId));
  const cursor = decodeCursor(query.cursor);
  if (cursor) conditions.push(or(lt(auditLog.createdAt, cursor.at), and(eq(auditLog.createdAt, cursor.at), lt(auditLog.id, cursor.id)))!);
  const rows = await deps.database.db.select().from(auditLog).where(and(...conditions)).orderBy(desc(auditLog.createdAt), desc(auditLog.id)).limit(query.limit + 1);
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

/** Opaque keyset cursor `<ms>.<id>` (base64url). */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.getTime()}.${id}`).toString("base64url");
}

/** Parses {@link encodeCursor}'s output; `null` for absent; 400 for garbage. */
export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (!cursor) return null;
  const [ms, id] = Buffer.from(cursor, "base64url").toString("utf8").split(".", 2);
  if (!ms || !/^\d+$/.test(ms) || !id || !/^[0-9a-f-]{36}$/.test(id)) throw new AppError("validation_failed", "invalid cursor", { issues: [{ path: "query.cursor", message: "invalid cursor", code: "custom" }] });
  return { at: new Date(Number(ms)), id };
}
