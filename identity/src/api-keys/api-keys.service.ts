import { and, desc, eq, isNull } from "drizzle-orm";
import { API_KEY_PREFIX, type ApiKey } from "@symbia/id";
import { AppError, entitlementCovers, expandEntitlements, orgRoleEntitlement, type Principal, type Scope } from "@symbia/sys";
import { randomToken, sha256Hex } from "../crypto/crypto.js";
import type { IdentityDeps } from "../deps.js";
import { apiKeys } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { loadClaims, principalOf, principalRefOf } from "../principals/principals.service.js";

type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Public view of a key (never its secret or hash). */
export function apiKeyView(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    orgId: row.orgId,
    principalId: row.principalId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Creates an API key for the caller in the scope's org: `sk_` + 32 random bytes (base64url),
 * returned once; stored as its SHA-256 with a display prefix. Its scopes must each be held by the
 * caller in that org: a key narrows its creator, never widens.
 *
 * @throws AppError forbidden when a scope exceeds the caller's entitlements, or when an API key
 * tries to create keys.
 */
export async function createApiKey(deps: IdentityDeps, scope: Scope, caller: Principal, input: { name: string; scopes: string[]; expiresAt?: string }): Promise<{ apiKey: ApiKey; key: string }> {
  if (caller.credential.kind === "api_key") throw new AppError("forbidden", "an API key cannot create API keys");
  if (caller.type === "service") throw new AppError("forbidden", "service principals do not hold API keys");
  const held = [...caller.entitlements, ...(caller.orgs.find((o) => o.orgId === scope.orgId)?.entitlements ?? [])];
  const exceeding = caller.superAdmin ? [] : input.scopes.filter((s) => !held.some((h) => entitlementCovers(h, s)));
  if (exceeding.length) throw new AppError("forbidden", "API key scopes exceed your entitlements", { exceeding });
  if (input.expiresAt && Date.parse(input.expiresAt) <= Date.now()) throw new AppError("validation_failed", "expiresAt is in the past", { issues: [{ path: "body.expiresAt", message: "must be in the future", code: "custom" }] });
  const key = randomToken(API_KEY_PREFIX);
  const [row] = await deps.database.db
    .insert(apiKeys)
    .values({
      orgId: scope.orgId,
      principalId: caller.id,
      principalType: caller.type as "user" | "agent",
      name: input.name,
      prefix: key.slice(0, 10),
      keyHash: sha256Hex(key),
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    })
    .returning();
  await audit(deps, { action: "api_key.created", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "api_key", targetId: row!.id, details: { prefix: row!.prefix, scopes: row!.scopes } });
  return { apiKey: apiKeyView(row!), key };
}

/** The caller's keys in the scope's org (org admins with cap:identity.orgs.admin see all). */
export async function listApiKeys(deps: IdentityDeps, scope: Scope, caller: Principal): Promise<ApiKey[]> {
  const seesAll = caller.superAdmin || caller.orgs.find((o) => o.orgId === scope.orgId)?.entitlements.includes("cap:identity.orgs.admin");
  const rows = await deps.database.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, scope.orgId), ...(seesAll ? [] : [eq(apiKeys.principalId, caller.id)])))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(apiKeyView);
}

async function ownKey(deps: IdentityDeps, scope: Scope, caller: Principal, id: string): Promise<ApiKeyRow> {
  const [row] = await deps.database.db.select().from(apiKeys).where(and(eq(apiKeys.orgId, scope.orgId), eq(apiKeys.id, id))).limit(1);
  const isAdmin = caller.superAdmin || caller.orgs.find((o) => o.orgId === scope.orgId)?.entitlements.includes("cap:identity.orgs.admin");
  if (!row || (row.principalId !== caller.id && !isAdmin)) throw new AppError("not_found", "API key not found");
  return row;
}

/** Revokes a key at once (identity refuses it immediately; other services within their cache time). */
export async function revokeApiKey(deps: IdentityDeps, scope: Scope, caller: Principal, id: string): Promise<void> {
  const row = await ownKey(deps, scope, caller, id);
  if (!row.revokedAt) await deps.database.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, row.id));
  await audit(deps, { action: "api_key.revoked", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "api_key", targetId: row.id, details: { prefix: row.prefix } });
}

/** Replaces a key with a new secret (same name, scopes and expiry); the old one is revoked. */
export async function rotateApiKey(deps: IdentityDeps, scope: Scope, caller: Principal, id: string): Promise<{ apiKey: ApiKey; key: string }> {
  const row = await ownKey(deps, scope, caller, id);
  if (row.revokedAt) throw new AppError("conflict", "API key is revoked");
  const key = randomToken(API_KEY_PREFIX);
  const created = await deps.database.withTransaction(async (tx) => {
    await tx.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, row.id));
    const [next] = await tx
      .insert(apiKeys)
      .values({ orgId: row.orgId, principalId: row.principalId, principalType: row.principalType, name: row.name, prefix: key.slice(0, 10), keyHash: sha256Hex(key), scopes: row.scopes, expiresAt: row.expiresAt })
      .returning();
    return next!;
  });
  await audit(deps, { action: "api_key.rotated", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "api_key", targetId: created.id, details: { previous: row.id, prefix: created.prefix } });
  return { apiKey: apiKeyView(created), key };
}

const lastUsedWrites = new Map<string, number>();

/**
 * The principal an API key stands for: its creator as they are now, limited to the key's org,
 * with the key's scopes narrowing every entitlement check.
 *
 * @throws AppError unauthenticated for unknown, revoked or expired keys, or a creator who lost access.
 */
export async function apiKeyPrincipal(deps: IdentityDeps, key: string): Promise<Principal> {
  const [row] = await deps.database.db.select().from(apiKeys).where(and(eq(apiKeys.keyHash, sha256Hex(key)), isNull(apiKeys.revokedAt))).limit(1);
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) throw new AppError("unauthenticated", "invalid API key");
  const claims = await loadClaims(deps.database.db, principalRefOf(row.principalId));
  const principal = principalOf(claims, { kind: "api_key", keyId: row.id, scopes: row.scopes });
  // A key is bound to its org: even a super admin's key acts there only, as an owner would.
  principal.orgs = principal.orgs.filter((o) => o.orgId === row.orgId);
  if (principal.superAdmin) {
    principal.superAdmin = false;
    if (!principal.orgs.length) principal.orgs = [{ orgId: row.orgId, role: "owner", entitlements: expandEntitlements([orgRoleEntitlement("owner")]) }];
  }
  if (principal.orgs.length === 0) throw new AppError("unauthenticated", "API key's creator left its organization");
  // last_used_at: at most one write per key per minute, off the request path.
  const now = Date.now();
  if ((lastUsedWrites.get(row.id) ?? 0) < now - 60_000) {
    lastUsedWrites.set(row.id, now);
    void deps.database.db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, row.id)).catch((e: Error) => deps.logger.warn({ err: e.message }, "last_used_at update failed"));
  }
  return principal;
}
