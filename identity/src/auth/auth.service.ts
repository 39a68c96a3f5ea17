import { and, count, eq, isNull } from "drizzle-orm";
import type { IntrospectionResponse, TokenResponse } from "@symbia/id";
import { API_KEY_PREFIX, verifyAccessToken } from "@symbia/id";
import { memoryLimiter } from "@symbia/http";
import { AppError, isServiceId, type Principal } from "@symbia/sys";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { randomToken, safeEqual, sha256Hex } from "../crypto/crypto.js";
import type { IdentityDeps } from "../deps.js";
import { agents, passwordResets, users } from "../db/schema.js";
import { apiKeyPrincipal } from "../api-keys/api-keys.service.js";
import { audit } from "../audit/audit.service.js";
import { insertEntity, newEntityId } from "../entities/entities.store.js";
import { findUserByEmail, insertOrg } from "../orgs/orgs.store.js";
import { claimsFor, principalOf, principalView, servicePrincipalId, type PrincipalRef } from "../principals/principals.service.js";
import { isRevoked, issueAccessToken, revokePrincipal, revokeSession, revokeToken, rotateRefreshToken, startSession } from "../tokens/tokens.service.js";
import { assertPasswordPolicy, hashPassword, verifyPassword } from "./passwords.js";

/** Context of an auth call: the client's IP, for audit and per-account limits. */
export interface CallInfo {
  ip?: string;
}

async function tokenResponse(deps: IdentityDeps, access: ReturnType<typeof issueAccessToken>, refreshToken?: string): Promise<TokenResponse> {
  const principal = principalOf(access.claims, { kind: "token", tokenId: access.claims.jti });
  return {
    accessToken: access.token,
    ...(refreshToken ? { refreshToken } : {}),
    tokenType: "Bearer",
    expiresIn: access.expiresIn,
    principal: await principalView(deps.database.db, principal),
  };
}

/**
 * Registers a user. The very first user of the platform becomes super admin. With `orgName`, the
 * user also gets a new org they own. Refused when open registration is off (except the first user).
 *
 * @throws AppError conflict for a taken email; validation_failed for a weak password; forbidden
 * when registration is closed.
 */
export async function register(deps: IdentityDeps, input: { email: string; password: string; name: string; orgName?: string }, info: CallInfo): Promise<{ tokens: TokenResponse; familyId: string }> {
  assertPasswordPolicy(input.password, [input.email, input.name]);
  const passwordHash = await hashPassword(input.password, deps.config.bcryptCost);
  const user = await deps.database.withTransaction(async (tx) => {
    const [{ n }] = (await tx.select({ n: count() }).from(users)) as [{ n: number }];
    const first = Number(n) === 0;
    if (!first && !deps.config.openRegistration) throw new AppError("forbidden", "registration is closed; ask an administrator for an invitation");
    if (await findUserByEmail(tx, input.email)) throw new AppError("conflict", "an account with this email already exists");
    const entityId = newEntityId();
    const [row] = await tx.insert(users).values({ entityId, email: input.email, name: input.name, passwordHash, superAdmin: first }).returning();
    await insertEntity(tx, { id: entityId, type: "user", slug: input.email.split("@")[0]!, principalId: row!.id, orgId: null, displayName: input.name });
    if (input.orgName) await insertOrg(tx, { name: input.orgName, ownerUserId: row!.id });
    return row!;
  });
  await audit(deps, { action: "user.registered", outcome: "success", actor: { id: user.id, type: "user" }, targetType: "user", targetId: user.id, ...(info.ip ? { ip: info.ip } : {}), details: { superAdmin: user.superAdmin } });
  const ref: PrincipalRef = { type: "user", id: user.id };
  const { access, refreshToken } = await startSession(deps, ref);
  return { tokens: await tokenResponse(deps, access, refreshToken), familyId: access.claims.sid! };
}

const loginFailures = new WeakMap<IdentityDeps, RateLimiterMemory>();

/**
 * Password login. Failures are counted per account (`loginFailuresPerAccount` per 15 min); past
 * that the account answers 429 whatever the password. Unknown emails cost the same time as known
 * ones.
 *
 * @throws AppError unauthenticated (bad credentials, one message for all cases) or rate_limited.
 */
export async function login(deps: IdentityDeps, input: { email: string; password: string }, info: CallInfo): Promise<{ tokens: TokenResponse; familyId: string }> {
  let limiter = loginFailures.get(deps);
  if (!limiter) loginFailures.set(deps, (limiter = new RateLimiterMemory({ points: deps.config.loginFailuresPerAccount, duration: 15 * 60, keyPrefix: "login-fail" })));
  const blocked = await limiter.get(input.email);
  if (blocked && blocked.remainingPoints <= 0) {
    await audit(deps, { action: "auth.login", outcome: "failure", details: { email: input.email, reason: "account locked" }, ...(info.ip ? { ip: info.ip } : {}) });
    const retryAfterSeconds = Math.ceil(blocked.msBeforeNext / 1000);
    throw new AppError("rate_limited", "too many failed logins for this account; try again later", { retryAfterSeconds }, { retryAfterSeconds });
  }
  const user = await findUserByEmail(deps.database.db, input.email);
  const ok = await verifyPassword(input.password, user && !user.disabled ? user.passwordHash : null, deps.config.bcryptCost);
  if (!ok || !user) {
    await limiter.penalty(input.email, 1).catch((e: unknown) => (e instanceof RateLimiterRes ? undefined : Promise.reject(e)));
    await audit(deps, { action: "auth.login", outcome: "failure", ...(user ? { actor: { id: user.id, type: "user" as const } } : {}), details: { email: input.email }, ...(info.ip ? { ip: info.ip } : {}) });
    throw new AppError("unauthenticated", "invalid email or password");
  }
  await limiter.delete(input.email);
  const ref: PrincipalRef = { type: "user", id: user.id };
  const { access, refreshToken } = await startSession(deps, ref);
  await audit(deps, { action: "auth.login", outcome: "success", actor: { id: user.id, type: "user" }, ...(info.ip ? { ip: info.ip } : {}) });
  return { tokens: await tokenResponse(deps, access, refreshToken), familyId: access.claims.sid! };
}

/** Rotates a refresh token into a new pair (see `rotateRefreshToken`); audits reuse. */
export async function refresh(deps: IdentityDeps, refreshToken: string, info: CallInfo): Promise<{ tokens: TokenResponse; familyId: string }> {
  try {
    const { access, refreshToken: next, principalRef } = await rotateRefreshToken(deps, refreshToken);
    return { tokens: await tokenResponse(deps, access, next), familyId: access.claims.sid! };
  } catch (error) {
    const details = (error as AppError).details as { reason?: string; principalId?: string } | undefined;
    if (details?.reason === "refresh_reuse") {
      await audit(deps, { action: "auth.refresh_reuse", outcome: "failure", actor: details.principalId ? { id: details.principalId, type: "user" } : null, ...(info.ip ? { ip: info.ip } : {}) });
    }
    throw error;
  }
}

/** Logout: revokes the caller's session (refresh family) and the presented access token. */
export async function logout(deps: IdentityDeps, caller: Principal, sid: string | undefined, jti: string | undefined, exp: number | undefined): Promise<void> {
  if (sid) await revokeSession(deps, sid, "logout");
  if (jti && exp) await revokeToken(deps, jti, exp, "logout");
  await audit(deps, { action: "auth.logout", outcome: "success", actor: caller, targetType: "session", ...(sid ? { targetId: sid } : {}) });
}

/**
 * Client-credentials login of a platform service: the secret is compared in constant time with
 * `{SERVICE}_SERVICE_SECRET` from identity's config. The token has no refresh token; services log
 * in again before it expires.
 */
export async function serviceToken(deps: IdentityDeps, input: { serviceId: string; secret: string }, info: CallInfo): Promise<TokenResponse> {
  const expected = isServiceId(input.serviceId) ? deps.config.serviceSecrets[input.serviceId] : undefined;
  if (!expected || !safeEqual(expected, input.secret)) {
    await audit(deps, { action: "auth.service_token", outcome: "failure", details: { serviceId: input.serviceId.slice(0, 50) }, ...(info.ip ? { ip: info.ip } : {}) });
    throw new AppError("unauthenticated", "invalid service credentials");
  }
  const ref: PrincipalRef = { type: "service", id: servicePrincipalId(input.serviceId as Parameters<typeof servicePrincipalId>[0]) };
  const access = issueAccessToken(deps, await claimsFor(deps, ref));
  return tokenResponse(deps, access);
}

/** An agent's login with its secret (SHA-256 compared in constant time). */
export async function agentToken(deps: IdentityDeps, input: { agentId: string; secret: string }, info: CallInfo): Promise<TokenResponse> {
  const [agent] = await deps.database.db.select().from(agents).where(and(eq(agents.agentId, input.agentId), isNull(agents.revokedAt))).limit(1);
  if (!agent || !safeEqual(agent.credentialHash, sha256Hex(input.secret))) {
    await audit(deps, { action: "auth.agent_token", outcome: "failure", ...(agent ? { orgId: agent.orgId } : {}), details: { agentId: input.agentId.slice(0, 120) }, ...(info.ip ? { ip: info.ip } : {}) });
    throw new AppError("unauthenticated", "invalid agent credentials");
  }
  const ref: PrincipalRef = { type: "agent", id: agent.agentId };
  const access = issueAccessToken(deps, await claimsFor(deps, ref));
  await audit(deps, { action: "auth.agent_token", outcome: "success", orgId: agent.orgId, actor: { id: agent.agentId, type: "agent" } });
  return tokenResponse(deps, access);
}

/**
 * RFC 7662 token introspection for access tokens and API keys. The caller must be a service
 * principal or hold `cap:identity.introspect`. Anything invalid, expired or revoked is
 * `{active: false}` with nothing else.
 */
export async function introspect(deps: IdentityDeps, caller: Principal, token: string): Promise<IntrospectionResponse> {
  const allowed = caller.type === "service" || caller.superAdmin || caller.entitlements.includes("cap:identity.introspect") || caller.orgs.some((o) => o.entitlements.includes("cap:identity.introspect"));
  if (!allowed) throw new AppError("forbidden", "introspection needs a service principal or cap:identity.introspect", { entitlement: "cap:identity.introspect" });
  try {
    if (token.startsWith(API_KEY_PREFIX)) {
      const principal = await apiKeyPrincipal(deps, token);
      if (principal.credential.kind !== "api_key") return { active: false };
      return {
        active: true,
        token_type: "api_key",
        sub: principal.id,
        client_id: principal.id,
        scope: principal.credential.scopes.join(" "),
        scopes: principal.credential.scopes,
        key_id: principal.credential.keyId,
        principal_type: principal.type,
        entity_id: principal.entityId,
        ...(principal.name ? { name: principal.name } : {}),
        orgs: principal.orgs.map((o) => ({ orgId: o.orgId, ...(o.role ? { role: o.role } : {}), entitlements: o.entitlements })),
        entitlements: principal.entitlements,
        super_admin: false,
      };
    }
    const claims = await verifyAccessToken(token, deps.keys.verificationKeys(), deps.config.issuer);
    if (await isRevoked(deps.database.db, claims)) return { active: false };
    const principal = principalOf(claims);
    const all = [...principal.entitlements, ...principal.orgs.flatMap((o) => o.entitlements)];
    return {
      active: true,
      token_type: "access_token",
      sub: claims.sub,
      client_id: claims.sub,
      scope: [...new Set(all)].join(" "),
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      jti: claims.jti,
      principal_type: claims.typ,
      entity_id: claims.eid,
      ...(claims.name ? { name: claims.name } : {}),
      super_admin: claims.sa === true,
      orgs: principal.orgs.map((o) => ({ orgId: o.orgId, ...(o.role ? { role: o.role } : {}), entitlements: o.entitlements })),
      entitlements: principal.entitlements,
    };
  } catch (error) {
    if (error instanceof AppError && error.code === "unauthenticated") return { active: false };
    throw error;
  }
}

/**
 * Starts a self-service password reset: a single-use token valid `passwordResetTtlMinutes`,
 * delivered to PASSWORD_RESET_WEBHOOK_URL (there is no mail server). Always succeeds, so the
 * answer does not reveal whether the email has an account.
 */
const resetRequests = new WeakMap<IdentityDeps, ReturnType<typeof memoryLimiter>>();

/**
 * Self-service password reset request. At most `passwordResetRequestsPerAccount` per hour per
 * email address, counted before the lookup so known and unknown addresses answer alike.
 *
 * @throws AppError rate_limited (429 with Retry-After) past the per-account limit.
 */
export async function requestPasswordReset(deps: IdentityDeps, email: string, info: CallInfo): Promise<void> {
  let limiter = resetRequests.get(deps);
  if (!limiter) resetRequests.set(deps, (limiter = memoryLimiter({ points: deps.config.passwordResetRequestsPerAccount, durationSeconds: 3_600 }, "reset-request")));
  try {
    await limiter.consume(email.trim().toLowerCase());
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const retryAfterSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    await audit(deps, { action: "password_reset.requested", outcome: "failure", details: { email, reason: "account rate limit" }, ...(info.ip ? { ip: info.ip } : {}) });
    throw new AppError("rate_limited", "too many password reset requests for this account; try again later", { retryAfterSeconds }, { retryAfterSeconds });
  }
  const user = await findUserByEmail(deps.database.db, email);
  if (!user || user.disabled) return;
  const token = await createResetToken(deps, user.id);
  await audit(deps, { action: "password_reset.requested", outcome: "success", actor: { id: user.id, type: "user" }, ...(info.ip ? { ip: info.ip } : {}) });
  if (deps.config.passwordResetWebhookUrl) {
    await fetch(deps.config.passwordResetWebhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, token: token.token, expiresAt: token.expiresAt.toISOString() }),
      signal: AbortSignal.timeout(5_000),
    }).catch((e: Error) => deps.logger.warn({ err: e.message }, "password reset delivery failed"));
  } else {
    deps.logger.warn({ userId: user.id }, "password reset requested but PASSWORD_RESET_WEBHOOK_URL is not set; nothing delivered");
  }
}

/** A new reset token for a user (also used by the super admin's reset route). */
export async function createResetToken(deps: IdentityDeps, userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken("pr_");
  const expiresAt = new Date(Date.now() + deps.config.passwordResetTtlMinutes * 60_000);
  await deps.database.db.insert(passwordResets).values({ userId, tokenHash: sha256Hex(token), expiresAt });
  return { token, expiresAt };
}

/**
 * Completes a reset: the token must be unused and unexpired; it is spent atomically, the password
 * replaced, and every existing token of the user revoked.
 */
export async function confirmPasswordReset(deps: IdentityDeps, input: { token: string; password: string }, info: CallInfo): Promise<void> {
  const hash = sha256Hex(input.token);
  const [reset] = await deps.database.db.select().from(passwordResets).where(eq(passwordResets.tokenHash, hash)).limit(1);
  if (!reset || reset.usedAt || reset.expiresAt.getTime() <= Date.now()) throw new AppError("bad_request", "invalid or expired reset token");
  const [user] = await deps.database.db.select().from(users).where(eq(users.id, reset.userId)).limit(1);
  assertPasswordPolicy(input.password, [user?.email ?? "", user?.name ?? ""]);
  const passwordHash = await hashPassword(input.password, deps.config.bcryptCost);
  const spent = await deps.database.withTransaction(async (tx) => {
    const updated = await tx.update(passwordResets).set({ usedAt: new Date() }).where(and(eq(passwordResets.id, reset.id), isNull(passwordResets.usedAt))).returning({ id: passwordResets.id });
    if (!updated.length) return false;
    await tx.update(users).set({ passwordHash }).where(eq(users.id, reset.userId));
    return true;
  });
  if (!spent) throw new AppError("bad_request", "invalid or expired reset token");
  await revokePrincipal(deps, reset.userId, "password reset");
  await audit(deps, { action: "password_reset.completed", outcome: "success", actor: { id: reset.userId, type: "user" }, ...(info.ip ? { ip: info.ip } : {}) });
}

/** Changes the caller's password (current one required); revokes the user's other tokens. */
export async function changePassword(deps: IdentityDeps, caller: Principal, input: { currentPassword: string; newPassword: string }): Promise<void> {
  if (caller.type !== "user") throw new AppError("forbidden", "only users have passwords");
  const [user] = await deps.database.db.select().from(users).where(eq(users.id, caller.id)).limit(1);
  if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash, deps.config.bcryptCost))) throw new AppError("unauthenticated", "current password is wrong");
  assertPasswordPolicy(input.newPassword, [user.email, user.name], "newPassword");
  await deps.database.db.update(users).set({ passwordHash: await hashPassword(input.newPassword, deps.config.bcryptCost) }).where(eq(users.id, user.id));
  await revokePrincipal(deps, user.id, "password changed");
  await audit(deps, { action: "user.password_changed", outcome: "success", actor: caller, targetType: "user", targetId: user.id });
}

/**
 * start.sh's bootstrap: creates the configured super admin and their org, exactly once — only
 * when no user exists (checked inside the transaction that creates it).
 * @returns true when it created the admin.
 */
export async function bootstrapAdmin(deps: IdentityDeps): Promise<boolean> {
  const admin = deps.config.bootstrapAdmin;
  if (!admin) return false;
  assertPasswordPolicy(admin.password, [admin.email, admin.name]);
  const passwordHash = await hashPassword(admin.password, deps.config.bcryptCost);
  const created = await deps.database.withTransaction(async (tx) => {
    const [{ n }] = (await tx.select({ n: count() }).from(users)) as [{ n: number }];
    if (Number(n) > 0) return null;
    const entityId = newEntityId();
    const [row] = await tx.insert(users).values({ entityId, email: admin.email.toLowerCase(), name: admin.name, passwordHash, superAdmin: true }).returning();
    await insertEntity(tx, { id: entityId, type: "user", slug: admin.email.split("@")[0]!, principalId: row!.id, orgId: null, displayName: admin.name });
    await insertOrg(tx, { name: admin.org, ownerUserId: row!.id });
    return row!;
  });
  if (created) {
    await audit(deps, { action: "user.bootstrapped", outcome: "success", actor: { id: created.id, type: "user" }, targetType: "user", targetId: created.id });
    deps.logger.info({ userId: created.id }, "super admin created from SYMBIA_ADMIN_*");
  }
  return created !== null;
}

/** True while no user exists: the next registration creates the super admin. */
export async function needsAdmin(deps: IdentityDeps): Promise<boolean> {
  const [{ n }] = (await deps.database.db.select({ n: count() }).from(users)) as [{ n: number }];
  return Number(n) === 0;
}
