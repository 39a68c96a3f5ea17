import { randomUUID } from "node:crypto";
import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Db } from "@symbia/db";
import { bearerOf, verifyAccessToken, API_KEY_PREFIX, type AccessTokenClaims, type RevocationFeed } from "@symbia/id";
import type { AuthInput } from "@symbia/http";
import { AppError, type Principal } from "@symbia/sys";
import { randomToken, sha256Hex } from "../crypto/crypto.js";
import type { IdentityDeps } from "../deps.js";
import { refreshTokens, revocations } from "../db/schema.js";
import { apiKeyPrincipal } from "../api-keys/api-keys.service.js";
import { claimsFor, loadClaims, principalOf, type PrincipalClaims, type PrincipalRef } from "../principals/principals.service.js";

/** Prefix of refresh tokens (opaque; stored hashed). */
export const REFRESH_PREFIX = "rt_";

/** An issued access token with its parsed claims. */
export interface IssuedAccess {
  token: string;
  claims: PrincipalClaims & { jti: string; sid?: string };
  expiresIn: number;
}

/** Signs an access token for current claims; `sid` ties it to a refresh-token family. */
export function issueAccessToken(deps: IdentityDeps, claims: PrincipalClaims, sid?: string): IssuedAccess {
  const jti = randomUUID();
  const full = { ...claims, jti, ...(sid ? { sid } : {}) };
  return { token: deps.keys.sign(full, deps.config.accessTokenTtlSeconds), claims: full, expiresIn: deps.config.accessTokenTtlSeconds };
}

/** Starts a session: a new refresh-token family and its first access token. */
export async function startSession(deps: IdentityDeps, ref: PrincipalRef): Promise<{ access: IssuedAccess; refreshToken: string }> {
  const claims = await claimsFor(deps, ref);
  const familyId = randomUUID();
  const refreshToken = await insertRefreshToken(deps.database.db, deps, familyId, ref);
  return { access: issueAccessToken(deps, claims, familyId), refreshToken };
}

async function insertRefreshToken(db: Db, deps: IdentityDeps, familyId: string, ref: PrincipalRef): Promise<string> {
  const token = randomToken(REFRESH_PREFIX);
  await db.insert(refreshTokens).values({
    familyId,
    principalId: ref.id,
    principalType: ref.type,
    tokenHash: sha256Hex(token),
    expiresAt: new Date(Date.now() + deps.config.refreshTokenTtlSeconds * 1000),
  });
  return token;
}

/**
 * Rotates a refresh token: the presented one is spent and a new one of the same family is issued
 * with a fresh access token. Presenting a spent token again is theft (or a replay): the whole
 * family is revoked, its access tokens included (OAuth 2.0 Security BCP, refresh token rotation).
 *
 * @throws AppError unauthenticated for unknown, expired, revoked or reused tokens.
 */
export async function rotateRefreshToken(deps: IdentityDeps, presented: string): Promise<{ access: IssuedAccess; refreshToken: string; principalRef: PrincipalRef }> {
  const hash = sha256Hex(presented);
  const outcome = await deps.database.withTransaction(async (tx) => {
    const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).limit(1).for("update");
    if (!row) return { kind: "unknown" as const };
    if (row.revokedAt) return { kind: "revoked" as const };
    if (row.usedAt) return { kind: "reused" as const, familyId: row.familyId, principalId: row.principalId };
    if (row.expiresAt.getTime() <= Date.now()) return { kind: "expired" as const };
    await tx.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.id, row.id));
    const ref: PrincipalRef = { type: row.principalType, id: row.principalId };
    const refreshToken = await insertRefreshToken(tx, deps, row.familyId, ref);
    return { kind: "ok" as const, refreshToken, ref, familyId: row.familyId };
  });
  if (outcome.kind === "reused") {
    await revokeSession(deps, outcome.familyId, "refresh token reused");
    throw new AppError("unauthenticated", "refresh token reuse detected; the session is revoked", { reason: "refresh_reuse", principalId: outcome.principalId });
  }
  if (outcome.kind !== "ok") throw new AppError("unauthenticated", `refresh token ${outcome.kind}`);
  const claims = await claimsFor(deps, outcome.ref);
  return { access: issueAccessToken(deps, claims, outcome.familyId), refreshToken: outcome.refreshToken, principalRef: outcome.ref };
}

/** Revokes a session: its refresh tokens and (through the feed) every access token with its `sid`. */
export async function revokeSession(deps: IdentityDeps, familyId: string, reason: string): Promise<void> {
  const now = new Date();
  await deps.database.withTransaction(async (tx) => {
    await tx.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
    await tx.insert(revocations).values({ kind: "session", value: familyId, reason, revokedAt: now, expiresAt: accessExpiry(deps, now) });
  });
}

/** Revokes one access token by its `jti` until it would have expired anyway. */
export async function revokeToken(deps: IdentityDeps, jti: string, expSeconds: number, reason: string): Promise<void> {
  await deps.database.db.insert(revocations).values({ kind: "token", value: jti, reason, revokedAt: new Date(), expiresAt: new Date(expSeconds * 1000 + 60_000) });
}

/**
 * Revokes every token of a principal issued until now (sessions too): password change, disable,
 * agent revocation. Tokens carry `iat` in whole seconds, so the call returns only once the clock
 * has passed into the next second: a token issued after it returns can never be mistaken for one
 * issued before the revocation.
 */
export async function revokePrincipal(deps: IdentityDeps, principalId: string, reason: string): Promise<void> {
  const now = new Date();
  await deps.database.withTransaction(async (tx) => {
    await tx.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.principalId, principalId), isNull(refreshTokens.revokedAt)));
    await tx.insert(revocations).values({ kind: "principal", value: principalId, reason, revokedAt: now, expiresAt: accessExpiry(deps, now) });
  });
  await new Promise((resolve) => setTimeout(resolve, 1_001 - (now.getTime() % 1_000)));
}

function accessExpiry(deps: IdentityDeps, from: Date): Date {
  return new Date(from.getTime() + (deps.config.accessTokenTtlSeconds + 60) * 1000);
}

/** True when identity's own records revoke these claims (checked on every request identity serves). */
export async function isRevoked(db: Db, claims: Pick<AccessTokenClaims, "jti" | "sid" | "sub" | "iat">): Promise<boolean> {
  const conditions = [and(eq(revocations.kind, "token"), eq(revocations.value, claims.jti)), and(eq(revocations.kind, "principal"), eq(revocations.value, claims.sub), gt(revocations.revokedAt, new Date((claims.iat - 1) * 1000)))];
  if (claims.sid) conditions.push(and(eq(revocations.kind, "session"), eq(revocations.value, claims.sid)));
  const [row] = await db.select({ id: revocations.id, kind: revocations.kind, revokedAt: revocations.revokedAt }).from(revocations).where(or(...conditions)).limit(5);
  if (!row) return false;
  // A principal revocation covers tokens issued at or before it (second precision, like `iat`).
  return row.kind !== "principal" || Math.floor(row.revokedAt.getTime() / 1000) >= claims.iat;
}

/**
 * The revocation feed verifiers poll: revocations after `cursor` (an opaque `<ms>.<id>`), oldest
 * first, at most 500. Expired entries are skipped.
 */
export async function revocationFeed(db: Db, cursor: string | undefined): Promise<RevocationFeed> {
  const [msText, afterId] = cursor ? cursor.split(".", 2) : [];
  const since = msText && /^\d+$/.test(msText) ? new Date(Number(msText)) : new Date(0);
  const rows = await db
    .select()
    .from(revocations)
    .where(and(or(gt(revocations.revokedAt, since), and(eq(revocations.revokedAt, since), gt(revocations.id, afterId && /^[0-9a-f-]{36}$/.test(afterId) ? afterId : "00000000-0000-0000-0000-000000000000"))), gt(revocations.expiresAt, new Date())))
    .orderBy(asc(revocations.revokedAt), asc(revocations.id))
    .limit(500);
  const last = rows.at(-1);
  return {
    items: rows.map((r) => ({ id: r.id, kind: r.kind, value: r.value, revokedAt: r.revokedAt.toISOString(), expiresAt: r.expiresAt.toISOString() })),
    nextCursor: last ? `${last.revokedAt.getTime()}.${last.id}` : (cursor ?? "0"),
  };
}

/** Deletes revocations (and dead refresh tokens) nobody needs any more. */
export async function pruneExpired(deps: IdentityDeps): Promise<void> {
  const now = new Date();
  await deps.database.db.delete(revocations).where(sql`${revocations.expiresAt} < ${now}`);
  await deps.database.db.delete(refreshTokens).where(sql`${refreshTokens.expiresAt} < ${now}`);
}

/**
 * Identity's own authenticator (the `@symbia/http` auth slot): JWTs verified against its own key
 * ring and checked against its revocation table on every request; API keys looked up directly.
 * Identity is the source of truth, so the principal is rebuilt from the current database state
 * (a role removed a minute ago no longer counts here, even inside a still-valid token).
 */
export function identityAuthenticator(deps: IdentityDeps) {
  return async (input: AuthInput): Promise<Principal | null> => {
    const token = bearerOf(input);
    if (!token) return null;
    if (token.startsWith(API_KEY_PREFIX)) return apiKeyPrincipal(deps, token);
    const claims = await verifyAccessToken(token, deps.keys.verificationKeys(), deps.config.issuer);
    if (await isRevoked(deps.database.db, claims)) throw new AppError("unauthenticated", "token revoked");
    const current = await loadClaims(deps.database.db, { type: claims.typ, id: claims.sub });
    return principalOf(current, { kind: "token", tokenId: claims.jti });
  };
}
