import { and, asc, eq, isNull, or } from "drizzle-orm";
import type { ResolvedCredential } from "@symbia/id";
import { AppError, CAPABILITIES, type Principal, type Scope } from "@symbia/sys";
import { seal, unseal } from "../crypto/crypto.js";
import type { IdentityDeps } from "../deps.js";
import { credentials } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { requireOrgAccess } from "../orgs/access.js";

type CredentialRow = typeof credentials.$inferSelect;

/** Public view: never the secret, only a short display prefix. */
function credentialView(row: CredentialRow) {
  const { sealed: _sealed, createdBy: _by, ...rest } = row;
  return { ...rest, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/**
 * Additional authenticated data binding a sealed credential to its org, owner and provider:
 * ciphertext copied to another owner's row does not decrypt.
 */
export function credentialAad(orgId: string, ownerId: string | null, provider: string): string {
  return `symbia-credential:v1:${orgId}:${ownerId ?? "org"}:${provider}`;
}

/** A few leading characters, enough to recognise a key, never enough to use it. */
function displayPrefix(secret: string): string {
  return `${secret.slice(0, Math.min(6, Math.floor(secret.length / 4)))}…`;
}

/**
 * Stores a provider credential sealed with AES-256-GCM (fresh IV, AAD = org/owner/provider). One
 * credential per (org, owner, provider): storing again replaces it. `scope: "org"` makes the
 * org-wide fallback and needs `cap:identity.credentials.write`.
 */
export async function storeCredential(
  deps: IdentityDeps,
  scope: Scope,
  caller: Principal,
  input: { provider: string; kind: "api_key" | "oauth_token"; name: string; secret: string; scope: "user" | "org"; metadata: Record<string, unknown> },
) {
  requireOrgAccess(caller, scope.orgId, input.scope === "org" ? CAPABILITIES.identity.credentialsWrite : undefined);
  if (caller.type === "service") throw new AppError("forbidden", "service principals do not own credentials");
  const ownerId = input.scope === "org" ? null : caller.id;
  const sealed = seal(deps.vaultKeys.get(deps.vaultKeyId)!, deps.vaultKeyId, input.secret, credentialAad(scope.orgId, ownerId, input.provider));
  const row = await deps.database.withTransaction(async (tx) => {
    const [existing] = await tx.select({ id: credentials.id }).from(credentials).where(and(eq(credentials.orgId, scope.orgId), ownerId ? eq(credentials.ownerId, ownerId) : isNull(credentials.ownerId), eq(credentials.provider, input.provider))).limit(1);
    const values = { name: input.name, kind: input.kind, sealed, displayPrefix: displayPrefix(input.secret), metadata: input.metadata, updatedAt: new Date() };
    if (existing) return (await tx.update(credentials).set(values).where(eq(credentials.id, existing.id)).returning())[0]!;
    return (await tx.insert(credentials).values({ ...values, orgId: scope.orgId, ownerId, provider: input.provider, createdBy: caller.id }).returning())[0]!;
  });
  await audit(deps, { action: "credential.stored", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "credential", targetId: row.id, details: { provider: input.provider, scope: input.scope } });
  return credentialView(row);
}

/** The caller's own credentials and the org-wide ones (prefixes only). */
export async function listCredentials(deps: IdentityDeps, scope: Scope, caller: Principal) {
  requireOrgAccess(caller, scope.orgId);
  const rows = await deps.database.db
    .select()
    .from(credentials)
    .where(and(eq(credentials.orgId, scope.orgId), or(eq(credentials.ownerId, caller.id), isNull(credentials.ownerId))))
    .orderBy(asc(credentials.provider));
  return rows.map(credentialView);
}

/** Deletes the caller's own credential, or an org-wide one with `cap:identity.credentials.write`. */
export async function deleteCredential(deps: IdentityDeps, scope: Scope, caller: Principal, id: string): Promise<void> {
  requireOrgAccess(caller, scope.orgId);
  const [row] = /^[0-9a-f-]{36}$/.test(id) ? await deps.database.db.select().from(credentials).where(and(eq(credentials.orgId, scope.orgId), eq(credentials.id, id))).limit(1) : [];
  if (!row || (row.ownerId !== null && row.ownerId !== caller.id)) throw new AppError("not_found", "credential not found");
  if (row.ownerId === null) requireOrgAccess(caller, scope.orgId, CAPABILITIES.identity.credentialsWrite);
  await deps.database.db.delete(credentials).where(eq(credentials.id, row.id));
  await audit(deps, { action: "credential.deleted", outcome: "success", orgId: scope.orgId, actor: caller, targetType: "credential", targetId: row.id, details: { provider: row.provider } });
}

/**
 * A principal's decrypted credential for a provider in an org: its own first, else the org-wide
 * one. Only service principals holding `cap:identity.credentials.read` may call this (integrations);
 * every read is audited.
 *
 * @throws AppError forbidden for any other caller; not_found when neither exists.
 */
export async function resolveCredential(deps: IdentityDeps, caller: Principal, input: { principalId: string; orgId: string; provider: string }): Promise<ResolvedCredential> {
  if (caller.type !== "service" || !caller.entitlements.includes(CAPABILITIES.identity.credentialsRead)) {
    await audit(deps, { action: "credential.read", outcome: "failure", orgId: input.orgId, actor: caller, details: { provider: input.provider, principalId: input.principalId } });
    throw new AppError("forbidden", "only a service principal with cap:identity.credentials.read can read credentials", { entitlement: CAPABILITIES.identity.credentialsRead });
  }
  if (!/^[0-9a-f-]{36}$/.test(input.orgId)) throw new AppError("not_found", "no credential for this provider");
  const rows = await deps.database.db
    .select()
    .from(credentials)
    .where(and(eq(credentials.orgId, input.orgId), eq(credentials.provider, input.provider), or(eq(credentials.ownerId, input.principalId), isNull(credentials.ownerId))));
  const row = rows.find((r) => r.ownerId === input.principalId) ?? rows.find((r) => r.ownerId === null);
  if (!row) throw new AppError("not_found", "no credential for this provider");
  const secret = unseal(deps.vaultKeys, row.sealed, credentialAad(row.orgId, row.ownerId, row.provider));
  await audit(deps, { action: "credential.read", outcome: "success", orgId: input.orgId, actor: caller, targetType: "credential", targetId: row.id, details: { provider: row.provider, principalId: input.principalId, source: row.ownerId ? "principal" : "org" } });
  return { credentialId: row.id, provider: row.provider, source: row.ownerId ? "principal" : "org", secret, metadata: row.metadata };
}
