import { and, asc, eq } from "drizzle-orm";
import type { Agent } from "@symbia/id";
import { AppError, CAPABILITIES, entitlementCovers, type Principal, type Scope } from "@symbia/sys";
import { randomToken, sha256Hex } from "../crypto/crypto.js";
import type { IdentityDeps } from "../deps.js";
import { agents } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { insertEntity, newEntityId } from "../entities/entities.store.js";
import { requireOrgAccess } from "../orgs/access.js";
import { revokePrincipal } from "../tokens/tokens.service.js";

type AgentRow = typeof agents.$inferSelect;
const WRITE = CAPABILITIES.identity.agentsWrite;

function agentView(row: AgentRow): Agent {
  return {
    id: row.id, agentId: row.agentId, entityId: row.entityId, orgId: row.orgId, name: row.name, capabilities: row.capabilities,
    createdBy: row.createdBy, createdAt: row.createdAt.toISOString(), revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** Entitlements the caller holds in an org (platform-wide ones included). */
function heldIn(caller: Principal, orgId: string): string[] {
  return [...caller.entitlements, ...(caller.orgs.find((o) => o.orgId === orgId)?.entitlements ?? [])];
}

/**
 * Registers an AI agent as a principal of the scope's org, with a secret shown once. Needs
 * `cap:identity.agents.write` there, and every capability asked for must be held by the
 * registrant: an agent never exceeds whoever created it.
 *
 * @throws AppError forbidden (not entitled, or capabilities beyond the registrant's); conflict for a taken agentId.
 */
export async function registerAgent(deps: IdentityDeps, scope: Scope, caller: Principal, input: { agentId: string; name: string; capabilities: string[] }): Promise<{ agent: Agent; secret: string }> {
  requireOrgAccess(caller, scope.orgId, WRITE);
  const held = heldIn(caller, scope.orgId);
  const exceeding = caller.superAdmin ? [] : input.capabilities.filter((c) => !held.some((h) => entitlementCovers(h, c)));
  if (exceeding.length) {
    await audit(deps, { action: "agent.register", outcome: "failure", orgId: scope.orgId, actor: caller, details: { agentId: input.agentId, exceeding } });
    throw new AppError("forbidden", "an agent cannot hold capabilities its registrant lacks", { exceeding });
  }
  const secret = randomToken("as_");
  const row = await deps.database.withTransaction(async (tx) => {
    const [taken] = await tx.select({ id: agents.id }).from(agents).where(eq(agents.agentId, input.agentId)).limit(1);
    if (taken) throw new AppError("conflict", `agent ${input.agentId} already exists`);
    const entityId = newEntityId();
    const [created] = await tx
      .insert(agents)
      .values({ entityId, agentId: input.agentId, orgId: scope.orgId, name: input.name, credentialHash: sha256Hex(secret), capabilities: [...new Set(input.capabilities)], createdBy: caller.id })
      .returning();
    await insertEntity(tx, { id: entityId, type: "agent", slug: input.agentId, principalId: input.agentId, orgId: scope.orgId, displayName: input.name });
    return created!;
  });
  await audit(deps, { action: "agent.registered", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "agent", targetId: row.agentId, details: { capabilities: row.capabilities } });
  return { agent: agentView(row), secret };
}

/** Agents of the scope's org (members may list). */
export async function listAgents(deps: IdentityDeps, scope: Scope, caller: Principal): Promise<Agent[]> {
  requireOrgAccess(caller, scope.orgId);
  const rows = await deps.database.db.select().from(agents).where(eq(agents.orgId, scope.orgId)).orderBy(asc(agents.agentId));
  return rows.map(agentView);
}

async function findAgent(deps: IdentityDeps, scope: Scope, ref: string): Promise<AgentRow> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(ref);
  const [row] = await deps.database.db.select().from(agents).where(and(eq(agents.orgId, scope.orgId), isUuid ? eq(agents.id, ref) : eq(agents.agentId, ref))).limit(1);
  if (!row) throw new AppError("not_found", "agent not found");
  return row;
}

/** One agent of the scope's org, by row id or agentId. */
export async function getAgent(deps: IdentityDeps, scope: Scope, caller: Principal, ref: string): Promise<Agent> {
  requireOrgAccess(caller, scope.orgId);
  return agentView(await findAgent(deps, scope, ref));
}

/** Revokes an agent: it can no longer log in and its tokens are refused everywhere within seconds. */
export async function revokeAgent(deps: IdentityDeps, scope: Scope, caller: Principal, ref: string): Promise<void> {
  requireOrgAccess(caller, scope.orgId, WRITE);
  const row = await findAgent(deps, scope, ref);
  if (!row.revokedAt) await deps.database.db.update(agents).set({ revokedAt: new Date() }).where(eq(agents.id, row.id));
  await revokePrincipal(deps, row.agentId, "agent revoked");
  await audit(deps, { action: "agent.revoked", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "agent", targetId: row.agentId });
}

/** Issues a new secret for an agent; tokens from the old one are revoked. */
export async function rotateAgentSecret(deps: IdentityDeps, scope: Scope, caller: Principal, ref: string): Promise<{ agent: Agent; secret: string }> {
  requireOrgAccess(caller, scope.orgId, WRITE);
  const row = await findAgent(deps, scope, ref);
  if (row.revokedAt) throw new AppError("conflict", "agent is revoked");
  const secret = randomToken("as_");
  await deps.database.db.update(agents).set({ credentialHash: sha256Hex(secret) }).where(eq(agents.id, row.id));
  await revokePrincipal(deps, row.agentId, "agent secret rotated");
  await audit(deps, { action: "agent.secret_rotated", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "agent", targetId: row.agentId });
  return { agent: agentView(row), secret };
}
