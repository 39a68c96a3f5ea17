import { hasEntitlement, scopeOf } from "@symbia/http";
import { AppError, CAPABILITIES, entitlementCovers, type Principal, type Scope } from "@symbia/sys";
import type { Request } from "express";

const C = CAPABILITIES.catalog;

/** The capabilities a catalog write needs (in the resource's org). */
export type CatalogCapability = (typeof C)[keyof typeof C];

/**
 * Who calls, and the org they act in when they act in one. Reads of public resources need no org
 * (a principal that belongs to none may read them); writes always have a scope.
 */
export interface Caller {
  principal: Principal;
  scope: Scope | null;
}

/** The {@link Caller} of a request: `scopeOf(req)` when the principal has an org or names one. */
export function callerOf(req: Request): Caller {
  const principal = req.principal;
  if (!principal) throw new AppError("unauthenticated", "authentication required");
  const actsInOrg = principal.orgs.length > 0 || Boolean(req.get("x-org-id")?.trim());
  return { principal, scope: actsInOrg ? scopeOf(req) : null };
}

/** The {@link Caller} of a write: it must act in an org. */
export function writerOf(req: Request): Caller & { scope: Scope } {
  const caller = callerOf(req);
  if (!caller.scope) throw new AppError("forbidden", "principal belongs to no organization");
  return caller as Caller & { scope: Scope };
}

/** What access decisions look at on a resource. */
export interface AccessFacts {
  orgId: string;
  visibility: "public" | "org" | "private";
  ownerId: string;
  /** The caller's explicit grant on this resource, if any. */
  grant: "read" | "write" | null;
}

/**
 * True when an API key's scopes (if the caller used one) cover `capability`. Tokens are not
 * narrowed. Scopes narrow, never widen: a key without `cap:catalog.read` reads nothing here.
 */
export function scopesAllow(principal: Principal, capability: string): boolean {
  return principal.credential.kind !== "api_key" || principal.credential.scopes.some((s) => entitlementCovers(s, capability));
}

/**
 * The visibility matrix: `public` → every authenticated principal; `org` → principals holding
 * `cap:catalog.read` in the resource's org (members, platform services that read catalog);
 * `private` → its owner, principals with an explicit grant, and holders of `cap:catalog.admin` in
 * the org. The super admin reads everything.
 */
export function canRead(principal: Principal, resource: AccessFacts): boolean {
  if (principal.superAdmin) return true;
  if (resource.visibility === "public") return scopesAllow(principal, C.read);
  if (resource.visibility === "org") return hasEntitlement(principal, C.read, resource.orgId);
  if (hasEntitlement(principal, C.admin, resource.orgId)) return true;
  return (resource.ownerId === principal.id || resource.grant !== null) && scopesAllow(principal, C.read);
}

/**
 * Whether a principal that can read the resource may also act on it with `capability`: it holds
 * the capability in the resource's org, and for a private resource it is the owner, holds a
 * `write` grant, or holds `cap:catalog.admin` there.
 */
export function canAct(principal: Principal, resource: AccessFacts, capability: CatalogCapability): boolean {
  if (!hasEntitlement(principal, capability, resource.orgId)) return false;
  if (resource.visibility !== "private" || principal.superAdmin) return true;
  return resource.ownerId === principal.id || resource.grant === "write" || hasEntitlement(principal, C.admin, resource.orgId);
}

/** What a principal may list: which orgs' `org` resources, which orgs' private ones, whether public ones. */
export interface ReadableSet {
  /** Everything (super admin, platform-wide `cap:catalog.admin`). */
  all: boolean;
  public: boolean;
  /** `"all"` for platform-wide `cap:catalog.read` (services), else org ids. */
  orgOrgs: "all" | string[];
  /** Orgs whose private resources the principal administers. */
  privateOrgs: string[];
  /** Whether private resources it owns or was granted count (API key scopes may forbid). */
  ownAndGranted: boolean;
}

/** The {@link ReadableSet} of a principal: {@link canRead} turned into list filters. */
export function readableSet(principal: Principal): ReadableSet {
  const all = principal.superAdmin === true || hasEntitlement(principal, C.admin);
  const scoped = scopesAllow(principal, C.read);
  return {
    all,
    public: scoped,
    orgOrgs: hasEntitlement(principal, C.read) ? "all" : principal.orgs.filter((o) => hasEntitlement(principal, C.read, o.orgId)).map((o) => o.orgId),
    privateOrgs: principal.orgs.filter((o) => hasEntitlement(principal, C.admin, o.orgId)).map((o) => o.orgId),
    ownAndGranted: scoped,
  };
}

/** `cap:catalog.*` names, re-exported for route specs. */
export const CATALOG_CAPS = C;
