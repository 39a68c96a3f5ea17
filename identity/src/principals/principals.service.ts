import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "@symbia/db";
import { principalFromClaims, type AccessTokenClaims, type PrincipalView } from "@symbia/id";
import { AppError, expandEntitlements, getService, isServiceId, type Principal, type ServiceId } from "@symbia/sys";
import type { IdentityDeps } from "../deps.js";
import { agents, entitlementGrants, memberships, organizations, users } from "../db/schema.js";
import { entityOfPrincipal, insertEntity } from "../entities/entities.store.js";
import { SERVICE_CAPABILITIES } from "./service-capabilities.js";

/** The identifying claims of a principal, as they go into an access token (minus iss/jti/iat/exp). */
export type PrincipalClaims = Omit<AccessTokenClaims, "iss" | "jti" | "iat" | "exp" | "sid">;

/** A reference to a principal by kind and id. */
export type PrincipalRef = { type: "user" | "agent" | "service"; id: string };

/** The principal id of a platform service: `service:<id>`. */
export function servicePrincipalId(service: ServiceId): string {
  return `service:${service}`;
}

/** Tells a principal id's kind from its shape: `service:x`, an agent id with `:`, or a user uuid. */
export function principalRefOf(id: string): PrincipalRef {
  if (id.startsWith("service:")) return { type: "service", id };
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return { type: "user", id };
  return { type: "agent", id };
}

/**
 * Current claims of a principal from the database: a user's memberships (role, grants, org quota)
 * or an agent's org and declared capabilities, or a service's platform-wide capabilities.
 *
 * @throws AppError unauthenticated when the principal is unknown, disabled or revoked.
 */
export async function loadClaims(db: Db, ref: PrincipalRef): Promise<PrincipalClaims> {
  if (ref.type === "service") {
    const service = ref.id.slice("service:".length);
    if (!isServiceId(service)) throw new AppError("unauthenticated", "unknown service");
    const entity = await ensureServiceEntity(db, service);
    return { sub: ref.id, typ: "service", eid: entity.id, name: getService(service).name, orgs: [], ents: [...SERVICE_CAPABILITIES[service]] };
  }
  if (ref.type === "agent") {
    const [agent] = await db.select().from(agents).where(and(eq(agents.agentId, ref.id), isNull(agents.revokedAt))).limit(1);
    if (!agent) throw new AppError("unauthenticated", "unknown or revoked agent");
    const [org] = await db.select().from(organizations).where(eq(organizations.id, agent.orgId)).limit(1);
    return {
      sub: agent.agentId,
      typ: "agent",
      eid: agent.entityId,
      name: agent.name,
      orgs: [{ id: agent.orgId, caps: agent.capabilities, ...rateLimitClaim(org) }],
    };
  }
  const [user] = await db.select().from(users).where(eq(users.id, ref.id)).limit(1);
  if (!user || user.disabled) throw new AppError("unauthenticated", "unknown or disabled user");
  const rows = await db
    .select({ orgId: memberships.orgId, role: memberships.role, createdAt: memberships.createdAt, points: organizations.rateLimitPoints, seconds: organizations.rateLimitSeconds })
    .from(memberships)
    .innerJoin(organizations, eq(memberships.orgId, organizations.id))
    .where(eq(memberships.userId, user.id));
  rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const grants = rows.length
    ? await db.select().from(entitlementGrants).where(and(eq(entitlementGrants.principalId, user.id), inArray(entitlementGrants.orgId, rows.map((r) => r.orgId))))
    : [];
  return {
    sub: user.id,
    typ: "user",
    eid: user.entityId,
    name: user.name,
    orgs: rows.map((r) => {
      const caps = grants.filter((g) => g.orgId === r.orgId).map((g) => g.entitlement);
      return { id: r.orgId, role: r.role, ...(caps.length ? { caps } : {}), ...rateLimitClaim({ rateLimitPoints: r.points, rateLimitSeconds: r.seconds }) };
    }),
    ...(user.superAdmin ? { sa: true as const } : {}),
  };
}

function rateLimitClaim(org: { rateLimitPoints: number | null; rateLimitSeconds: number | null } | undefined): { rl?: [number, number] } {
  return org?.rateLimitPoints && org.rateLimitSeconds ? { rl: [org.rateLimitPoints, org.rateLimitSeconds] } : {};
}

/** The {@link Principal} of current claims (entitlements expanded with role inheritance). */
export function principalOf(claims: PrincipalClaims, credential: Principal["credential"] = { kind: "token" }): Principal {
  return { ...principalFromClaims({ ...claims, iss: "", jti: "", iat: 0, exp: 0 }), credential };
}

/** What identity shows of a principal (no secrets). */
export async function principalView(db: Db, principal: Principal): Promise<PrincipalView> {
  let email: string | undefined;
  let name = principal.name ?? principal.id;
  if (principal.type === "user") {
    const [user] = await db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, principal.id)).limit(1);
    email = user?.email;
    name = user?.name ?? name;
  }
  return {
    id: principal.id,
    type: principal.type,
    entityId: principal.entityId,
    name,
    ...(email ? { email } : {}),
    superAdmin: principal.superAdmin === true,
    orgs: principal.orgs.map((o) => ({ orgId: o.orgId, ...(o.role ? { role: o.role } : {}), entitlements: o.entitlements })),
    entitlements: principal.entitlements,
  };
}

/** A service's entity, created the first time the service logs in. */
export async function ensureServiceEntity(db: Db, service: ServiceId) {
  const id = servicePrincipalId(service);
  const existing = await entityOfPrincipal(db, id);
  if (existing) return existing;
  try {
    return await insertEntity(db, { type: "service", slug: service, principalId: id, orgId: null, displayName: getService(service).name });
  } catch (error) {
    // Two first logins raced: the other one created it.
    const again = await entityOfPrincipal(db, id);
    if (again) return again;
    throw error;
  }
}

/** All entitlements a principal holds in an org (expanded), for `GET /api/entitlements/effective`. */
export function effectiveEntitlements(principal: Principal, orgId: string): string[] {
  const inOrg = principal.orgs.find((o) => o.orgId === orgId)?.entitlements ?? [];
  return expandEntitlements([...principal.entitlements, ...inOrg]);
}

/** The deps-level loader (keeps call sites short). */
export function claimsFor(deps: IdentityDeps, ref: PrincipalRef): Promise<PrincipalClaims> {
  return loadClaims(deps.database.db, ref);
}
