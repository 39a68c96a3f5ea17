import { and, asc, eq, inArray, or } from "drizzle-orm";
import type { Entity } from "@symbia/id";
import { hasEntitlement } from "@symbia/http";
import { AppError, CAPABILITIES, type Principal, type Scope } from "@symbia/sys";
import type { IdentityDeps } from "../deps.js";
import { entities, memberships } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { requireOrgAccess } from "../orgs/access.js";
import { findEntityByRef, type EntityRow } from "./entities.store.js";

const view = (r: EntityRow): Entity => ({ ...r, createdAt: r.createdAt.toISOString(), boundAt: r.boundAt?.toISOString() ?? null });

/** Orgs an entity belongs to: an agent's org, or a user's memberships; services belong to none. */
async function orgsOf(deps: IdentityDeps, row: EntityRow): Promise<string[]> {
  if (row.type === "agent") return row.orgId ? [row.orgId] : [];
  if (row.type === "user") return (await deps.database.db.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, row.principalId))).map((r) => r.orgId);
  return [];
}

/**
 * Resolves `ent_…`, `@slug` or `type:slug`. Visible to: the entity itself, principals sharing an
 * org with it, service principals and the super admin; platform services are visible to all.
 * Anything else answers 404, like an absent entity.
 */
export async function resolveEntity(deps: IdentityDeps, caller: Principal, ref: string): Promise<Entity> {
  const row = await findEntityByRef(deps.database.db, ref);
  if (!row) throw new AppError("not_found", "entity not found");
  if (caller.superAdmin || caller.type === "service" || row.type === "service" || row.principalId === caller.id) return view(row);
  const shared = (await orgsOf(deps, row)).some((orgId) => caller.orgs.some((o) => o.orgId === orgId));
  if (!shared) throw new AppError("not_found", "entity not found");
  return view(row);
}

/** Entities of the scope's org, optionally of one type: its agents and its members. */
export async function listEntities(deps: IdentityDeps, scope: Scope, caller: Principal, type?: EntityRow["type"]): Promise<Entity[]> {
  requireOrgAccess(caller, scope.orgId);
  const memberIds = (await deps.database.db.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.orgId, scope.orgId))).map((r) => r.userId);
  const inOrg = memberIds.length ? or(eq(entities.orgId, scope.orgId), inArray(entities.principalId, memberIds)) : eq(entities.orgId, scope.orgId);
  const rows = await deps.database.db.select().from(entities).where(type ? and(inOrg, eq(entities.type, type)) : inOrg).orderBy(asc(entities.slug));
  return rows.map(view);
}

/** Binds an entity to the network node that holds it now (`cap:identity.entities.bind`: the network service). */
export async function bindEntity(deps: IdentityDeps, caller: Principal, ref: string, nodeId: string | null): Promise<Entity> {
  if (!hasEntitlement(caller, CAPABILITIES.identity.entitiesBind)) throw new AppError("forbidden", "missing entitlement cap:identity.entities.bind", { entitlement: CAPABILITIES.identity.entitiesBind });
  const row = await findEntityByRef(deps.database.db, ref);
  if (!row) throw new AppError("not_found", "entity not found");
  const [updated] = await deps.database.db.update(entities).set({ nodeId, boundAt: nodeId ? new Date() : null }).where(eq(entities.id, row.id)).returning();
  await audit(deps, { action: nodeId ? "entity.bound" : "entity.unbound", outcome: "success", orgId: row.orgId, actor: caller, targetType: "entity", targetId: row.id, details: { nodeId } });
  return view(updated!);
}
