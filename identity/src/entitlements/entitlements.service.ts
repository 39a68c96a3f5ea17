import { and, asc, eq } from "drizzle-orm";
import { AppError, CAPABILITIES, entitlementCovers, type Principal, type Scope } from "@symbia/sys";
import type { IdentityDeps } from "../deps.js";
import { agents, entitlementGrants, memberships } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { requireOrgAccess } from "../orgs/access.js";
import { effectiveEntitlements, loadClaims, principalOf, principalRefOf } from "../principals/principals.service.js";

const WRITE = CAPABILITIES.identity.entitlementsWrite;
type GrantRow = typeof entitlementGrants.$inferSelect;
const grantView = (g: GrantRow) => ({ ...g, createdAt: g.createdAt.toISOString() });

async function assertInOrg(deps: IdentityDeps, orgId: string, principalId: string): Promise<void> {
  const ref = principalRefOf(principalId);
  const { db } = deps.database;
  const found =
    ref.type === "user"
      ? (await db.select({ id: memberships.userId }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, principalId))).limit(1))[0]
      : ref.type === "agent"
        ? (await db.select({ id: agents.id }).from(agents).where(and(eq(agents.orgId, orgId), eq(agents.agentId, principalId))).limit(1))[0]
        : undefined;
  if (!found) throw new AppError("not_found", "principal is not in this organization");
}

/**
 * Grants an entitlement to a user or agent of the scope's org. The granter needs
 * `cap:identity.entitlements.write` there and must hold the entitlement itself (no escalation).
 */
export async function grant(deps: IdentityDeps, scope: Scope, caller: Principal, input: { principalId: string; entitlement: string }) {
  requireOrgAccess(caller, scope.orgId, WRITE);
  const held = [...caller.entitlements, ...(caller.orgs.find((o) => o.orgId === scope.orgId)?.entitlements ?? [])];
  if (!caller.superAdmin && !held.some((h) => entitlementCovers(h, input.entitlement))) throw new AppError("forbidden", "you cannot grant an entitlement you do not hold", { entitlement: input.entitlement });
  if (input.entitlement === "role:super_admin") throw new AppError("forbidden", "super admin is not grantable");
  await assertInOrg(deps, scope.orgId, input.principalId);
  const [row] = await deps.database.db
    .insert(entitlementGrants)
    .values({ orgId: scope.orgId, principalId: input.principalId, entitlement: input.entitlement, grantedBy: caller.id })
    .onConflictDoUpdate({ target: [entitlementGrants.orgId, entitlementGrants.principalId, entitlementGrants.entitlement], set: { grantedBy: caller.id } })
    .returning();
  await audit(deps, { action: "entitlement.granted", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "principal", targetId: input.principalId, details: { entitlement: input.entitlement } });
  return grantView(row!);
}

/** Grants in the scope's org (optionally for one principal). */
export async function listGrants(deps: IdentityDeps, scope: Scope, caller: Principal, principalId?: string) {
  requireOrgAccess(caller, scope.orgId, principalId === caller.id ? undefined : WRITE);
  const rows = await deps.database.db
    .select()
    .from(entitlementGrants)
    .where(and(eq(entitlementGrants.orgId, scope.orgId), ...(principalId ? [eq(entitlementGrants.principalId, principalId)] : [])))
    .orderBy(asc(entitlementGrants.principalId), asc(entitlementGrants.entitlement));
  return rows.map(grantView);
}

/** Removes a grant. */
export async function revokeGrant(deps: IdentityDeps, scope: Scope, caller: Principal, id: string): Promise<void> {
  requireOrgAccess(caller, scope.orgId, WRITE);
  const deleted = /^[0-9a-f-]{36}$/.test(id)
    ? await deps.database.db.delete(entitlementGrants).where(and(eq(entitlementGrants.orgId, scope.orgId), eq(entitlementGrants.id, id))).returning()
    : [];
  if (!deleted.length) throw new AppError("not_found", "grant not found");
  await audit(deps, { action: "entitlement.revoked", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "principal", targetId: deleted[0]!.principalId, details: { entitlement: deleted[0]!.entitlement } });
}

/**
 * A principal's expanded entitlements in the scope's org (role inheritance applied). Anyone may
 * ask for their own; asking for someone else's needs `cap:identity.entitlements.write`.
 */
export async function effective(deps: IdentityDeps, scope: Scope, caller: Principal, principalId?: string) {
  const target = principalId ?? caller.id;
  if (target === caller.id) {
    const list = effectiveEntitlements(caller, scope.orgId);
    return { principalId: target, orgId: scope.orgId, superAdmin: caller.superAdmin === true, entitlements: caller.credential.kind === "api_key" ? list.filter((e) => caller.credential.kind === "api_key" && caller.credential.scopes.some((s) => entitlementCovers(s, e))) : list };
  }
  requireOrgAccess(caller, scope.orgId, WRITE);
  await assertInOrg(deps, scope.orgId, target);
  const principal = principalOf(await loadClaims(deps.database.db, principalRefOf(target)));
  return { principalId: target, orgId: scope.orgId, superAdmin: principal.superAdmin === true, entitlements: effectiveEntitlements(principal, scope.orgId) };
}
