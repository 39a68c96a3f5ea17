import { and, asc, count, eq, inArray } from "drizzle-orm";
import type { Organization } from "@symbia/id";
import { AppError, CAPABILITIES, type OrgRole, type Principal } from "@symbia/sys";
import type { IdentityDeps } from "../deps.js";
import { invitations, memberships, organizations, users } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { requireOrgAccess } from "./access.js";
import { findOrg, findUserByEmail, insertOrg, type OrgRow } from "./orgs.store.js";

const ADMIN = CAPABILITIES.identity.orgsAdmin;
const MEMBERS_WRITE = CAPABILITIES.identity.membersWrite;
const RANK: Record<OrgRole, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

function orgView(row: OrgRow, role?: OrgRole): Organization {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    ...(role ? { role } : {}),
    rateLimit: row.rateLimitPoints && row.rateLimitSeconds ? { points: row.rateLimitPoints, durationSeconds: row.rateLimitSeconds } : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Creates an org owned by the calling user. */
export async function createOrg(deps: IdentityDeps, caller: Principal, input: { name: string; slug?: string }): Promise<Organization> {
  if (caller.type !== "user" || caller.credential.kind === "api_key") throw new AppError("forbidden", "only users (not API keys) create organizations");
  const org = await deps.database.withTransaction((tx) => insertOrg(tx, { name: input.name, ...(input.slug ? { slug: input.slug } : {}), ownerUserId: caller.id }));
  await audit(deps, { action: "org.created", outcome: "success", orgId: org.id, actor: caller, targetType: "org", targetId: org.id });
  return orgView(org, "owner");
}

/** The caller's orgs (all orgs for the super admin), paged by name. */
export async function listOrgs(deps: IdentityDeps, caller: Principal): Promise<Organization[]> {
  const { db } = deps.database;
  if (caller.superAdmin) {
    const rows = await db.select().from(organizations).orderBy(asc(organizations.name));
    return rows.map((r) => orgView(r, caller.orgs.find((o) => o.orgId === r.id)?.role));
  }
  const ids = caller.orgs.map((o) => o.orgId);
  if (!ids.length) return [];
  const rows = await db.select().from(organizations).where(inArray(organizations.id, ids)).orderBy(asc(organizations.name));
  return rows.map((r) => orgView(r, caller.orgs.find((o) => o.orgId === r.id)?.role));
}

async function loadOrg(deps: IdentityDeps, orgId: string): Promise<OrgRow> {
  const org = await findOrg(deps.database.db, orgId);
  if (!org) throw new AppError("not_found", "organization not found");
  return org;
}

/** One org the caller belongs to. */
export async function getOrg(deps: IdentityDeps, caller: Principal, orgId: string): Promise<Organization> {
  requireOrgAccess(caller, orgId);
  return orgView(await loadOrg(deps, orgId), caller.orgs.find((o) => o.orgId === orgId)?.role);
}

/** Renames an org (owners). */
export async function updateOrg(deps: IdentityDeps, caller: Principal, orgId: string, input: { name: string }): Promise<Organization> {
  requireOrgAccess(caller, orgId, ADMIN);
  const [row] = await deps.database.db.update(organizations).set({ name: input.name }).where(eq(organizations.id, orgId)).returning();
  if (!row) throw new AppError("not_found", "organization not found");
  await audit(deps, { action: "org.updated", outcome: "success", orgId, actor: caller, targetType: "org", targetId: orgId });
  return orgView(row, caller.orgs.find((o) => o.orgId === orgId)?.role);
}

/** Deletes an org and everything in it (owners). */
export async function deleteOrg(deps: IdentityDeps, caller: Principal, orgId: string): Promise<void> {
  requireOrgAccess(caller, orgId, ADMIN);
  await loadOrg(deps, orgId);
  await deps.database.db.delete(organizations).where(eq(organizations.id, orgId));
  await audit(deps, { action: "org.deleted", outcome: "success", orgId, actor: caller, targetType: "org", targetId: orgId });
}

/** Sets (or clears, with null) the org's tenant quota: requests per window across all its principals. */
export async function setOrgLimits(deps: IdentityDeps, caller: Principal, orgId: string, limits: { points: number; durationSeconds: number } | null): Promise<Organization> {
  requireOrgAccess(caller, orgId, ADMIN);
  const [row] = await deps.database.db
    .update(organizations)
    .set({ rateLimitPoints: limits?.points ?? null, rateLimitSeconds: limits?.durationSeconds ?? null })
    .where(eq(organizations.id, orgId))
    .returning();
  if (!row) throw new AppError("not_found", "organization not found");
  await audit(deps, { action: "org.limits_changed", outcome: "success", orgId, actor: caller, targetType: "org", targetId: orgId, details: { limits } });
  return orgView(row, caller.orgs.find((o) => o.orgId === orgId)?.role);
}

/** Members of an org (any member may list). */
export async function listMembers(deps: IdentityDeps, caller: Principal, orgId: string) {
  requireOrgAccess(caller, orgId);
  const rows = await deps.database.db
    .select({ orgId: memberships.orgId, userId: memberships.userId, role: memberships.role, createdAt: memberships.createdAt, email: users.email, name: users.name, entityId: users.entityId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.email));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

function assertCanAssign(caller: Principal, orgId: string, role: OrgRole, currentRole?: OrgRole): void {
  if (caller.superAdmin) return;
  const mine = caller.orgs.find((o) => o.orgId === orgId)?.role;
  if (!mine) throw new AppError("not_found", "organization not found");
  // Nobody hands out, or takes away, more than they hold: only owners touch owners.
  if (RANK[role] > RANK[mine] || (currentRole && RANK[currentRole] > RANK[mine]) || ((role === "owner" || currentRole === "owner") && mine !== "owner")) {
    throw new AppError("forbidden", `a ${mine} cannot make or change an ${role === "owner" || currentRole === "owner" ? "owner" : role}`);
  }
}

/** Adds an existing user (by email) to the org with a role. */
export async function addMember(deps: IdentityDeps, caller: Principal, orgId: string, input: { email: string; role: OrgRole }) {
  requireOrgAccess(caller, orgId, MEMBERS_WRITE);
  assertCanAssign(caller, orgId, input.role);
  const user = await findUserByEmail(deps.database.db, input.email);
  if (!user) throw new AppError("not_found", "no user with this email");
  try {
    await deps.database.db.insert(memberships).values({ orgId, userId: user.id, role: input.role });
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === "23505") throw new AppError("conflict", "already a member");
    throw error;
  }
  await audit(deps, { action: "org.member_added", outcome: "success", orgId, actor: caller, targetType: "user", targetId: user.id, details: { role: input.role } });
  return (await listMembers(deps, caller, orgId)).find((m) => m.userId === user.id)!;
}

async function currentMember(deps: IdentityDeps, orgId: string, userId: string) {
  if (!/^[0-9a-f-]{36}$/.test(userId)) throw new AppError("not_found", "member not found");
  const [row] = await deps.database.db.select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).limit(1);
  if (!row) throw new AppError("not_found", "member not found");
  return row;
}

async function assertNotLastOwner(deps: IdentityDeps, orgId: string): Promise<void> {
  const [{ n }] = (await deps.database.db.select({ n: count() }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")))) as [{ n: number }];
  if (Number(n) <= 1) throw new AppError("conflict", "an organization keeps at least one owner");
}

/** Changes a member's role (role rules: nobody grants above their own role; the last owner stays). */
export async function updateMember(deps: IdentityDeps, caller: Principal, orgId: string, userId: string, role: OrgRole) {
  requireOrgAccess(caller, orgId, MEMBERS_WRITE);
  const member = await currentMember(deps, orgId, userId);
  assertCanAssign(caller, orgId, role, member.role);
  if (member.role === "owner" && role !== "owner") await assertNotLastOwner(deps, orgId);
  await deps.database.db.update(memberships).set({ role }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  await audit(deps, { action: "org.role_changed", outcome: "success", orgId, actor: caller, targetType: "user", targetId: userId, details: { from: member.role, to: role } });
  return (await listMembers(deps, caller, orgId)).find((m) => m.userId === userId)!;
}

/** Removes a member; members may remove themselves (leave). */
export async function removeMember(deps: IdentityDeps, caller: Principal, orgId: string, userId: string): Promise<void> {
  requireOrgAccess(caller, orgId, caller.id === userId ? undefined : MEMBERS_WRITE);
  const member = await currentMember(deps, orgId, userId);
  if (caller.id !== userId) assertCanAssign(caller, orgId, member.role, member.role);
  if (member.role === "owner") await assertNotLastOwner(deps, orgId);
  await deps.database.db.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  await audit(deps, { action: caller.id === userId ? "org.member_left" : "org.member_removed", outcome: "success", orgId, actor: caller, targetType: "user", targetId: userId });
}

type InvitationRow = typeof invitations.$inferSelect;
const invitationView = (r: InvitationRow, orgName?: string) => ({
  id: r.id, orgId: r.orgId, ...(orgName ? { orgName } : {}), email: r.email, role: r.role, status: r.status, invitedBy: r.invitedBy, createdAt: r.createdAt.toISOString(),
});

/** Invites an existing user by email; they accept or decline from their own account. */
export async function invite(deps: IdentityDeps, caller: Principal, orgId: string, input: { email: string; role: OrgRole }) {
  requireOrgAccess(caller, orgId, MEMBERS_WRITE);
  assertCanAssign(caller, orgId, input.role);
  const user = await findUserByEmail(deps.database.db, input.email);
  if (!user) throw new AppError("not_found", "no user with this email; invitations go to existing accounts");
  const [already] = await deps.database.db.select().from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, user.id))).limit(1);
  if (already) throw new AppError("conflict", "already a member");
  const [row] = await deps.database.db.insert(invitations).values({ orgId, email: user.email, role: input.role, invitedBy: caller.id }).returning();
  await audit(deps, { action: "org.invitation_created", outcome: "success", orgId, actor: caller, targetType: "invitation", targetId: row!.id, details: { role: input.role } });
  return invitationView(row!);
}

/** An org's invitations (admins). */
export async function listOrgInvitations(deps: IdentityDeps, caller: Principal, orgId: string) {
  requireOrgAccess(caller, orgId, MEMBERS_WRITE);
  const rows = await deps.database.db.select().from(invitations).where(eq(invitations.orgId, orgId)).orderBy(asc(invitations.createdAt));
  return rows.map((r) => invitationView(r));
}

/** Revokes a pending invitation (admins). */
export async function revokeInvitation(deps: IdentityDeps, caller: Principal, orgId: string, id: string): Promise<void> {
  requireOrgAccess(caller, orgId, MEMBERS_WRITE);
  const updated = /^[0-9a-f-]{36}$/.test(id)
    ? await deps.database.db.update(invitations).set({ status: "revoked", respondedAt: new Date() }).where(and(eq(invitations.orgId, orgId), eq(invitations.id, id), eq(invitations.status, "pending"))).returning()
    : [];
  if (!updated.length) throw new AppError("not_found", "pending invitation not found");
}

/** The calling user's pending invitations. */
export async function myInvitations(deps: IdentityDeps, caller: Principal) {
  const [user] = await deps.database.db.select({ email: users.email }).from(users).where(eq(users.id, caller.id)).limit(1);
  if (!user) return [];
  const rows = await deps.database.db
    .select({ invitation: invitations, orgName: organizations.name })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.orgId))
    .where(and(eq(invitations.email, user.email), eq(invitations.status, "pending")));
  return rows.map((r) => invitationView(r.invitation, r.orgName));
}

/** Accepts or declines one of the caller's invitations; accepting adds the membership. */
export async function respondToInvitation(deps: IdentityDeps, caller: Principal, id: string, accept: boolean) {
  const mine = (await myInvitations(deps, caller)).find((i) => i.id === id);
  if (!mine) throw new AppError("not_found", "invitation not found");
  await deps.database.withTransaction(async (tx) => {
    await tx.update(invitations).set({ status: accept ? "accepted" : "declined", respondedAt: new Date() }).where(eq(invitations.id, id));
    if (accept) await tx.insert(memberships).values({ orgId: mine.orgId, userId: caller.id, role: mine.role }).onConflictDoNothing();
  });
  await audit(deps, { action: accept ? "org.invitation_accepted" : "org.invitation_declined", outcome: "success", orgId: mine.orgId, actor: caller, targetType: "invitation", targetId: id });
  return { ...mine, status: accept ? ("accepted" as const) : ("declined" as const) };
}
