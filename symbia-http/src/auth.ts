import { AppError, entitlementCovers, type Principal, type Scope } from "@symbia/sys";
import type { Request, RequestHandler } from "express";
import { currentContext } from "./context.js";

/** Per-router (or per-route) authentication requirement. */
export type AuthMode = "required" | "optional" | "none";

/** What an authenticator sees of an HTTP request or a Socket.IO handshake. */
export interface AuthInput {
  /** Lower-cased header names; a socket's `auth.token` arrives as `authorization: Bearer …`. */
  headers: Readonly<Record<string, string | undefined>>;
  ip?: string;
  /** "http" or "socket". */
  transport: "http" | "socket";
}

/**
 * Establishes the caller from its credentials (bearer token, API key, cookie).
 * Returns `null` when there are none; throws `AppError("unauthenticated")` when they are invalid.
 * The identity issue's `@symbia/id` verifier is one.
 */
export type Authenticator = (input: AuthInput) => Promise<Principal | null>;

/** The {@link AuthInput} of an Express request. */
export function authInputOf(req: Request): AuthInput {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  return { headers, ...(req.ip ? { ip: req.ip } : {}), transport: "http" };
}

/** Decides whether a principal holds an entitlement (`cap:…` or `role:…`) in an org. */
export type Authorizer = (principal: Principal, entitlement: string, orgId: string | undefined) => boolean | Promise<boolean>;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified caller, set by the auth middleware. */
      principal?: Principal;
    }
  }
}

/**
 * True when `principal` holds `entitlement` in `orgId`: the principal is super admin, or its
 * platform-wide entitlements cover it, or (with `orgId`) its entitlements in that org do — each
 * already expanded with role inheritance, `prefix.*` wildcards allowed. For an API key the key's
 * scopes must also cover it (scopes narrow, never widen).
 */
export function hasEntitlement(principal: Principal, entitlement: string, orgId?: string): boolean {
  const covers = (granted: string) => entitlementCovers(granted, entitlement);
  const inOrg = orgId ? principal.orgs.find((o) => o.orgId === orgId) : undefined;
  const held = principal.superAdmin === true || principal.entitlements.some(covers) || (inOrg?.entitlements.some(covers) ?? false);
  if (!held) return false;
  if (principal.credential.kind === "api_key") return principal.credential.scopes.some(covers);
  return true;
}

/** Middleware applying an {@link AuthMode}: sets `req.principal`, or answers 401 when required. */
export function authMiddleware(mode: AuthMode, authenticate: Authenticator | undefined): RequestHandler {
  return async (req, _res, next) => {
    if (mode === "none") return next();
    const principal = authenticate ? await authenticate(authInputOf(req)) : null;
    if (principal) {
      req.principal = principal;
      const context = currentContext();
      if (context) context.principal = principal;
    } else if (mode === "required") {
      throw new AppError("unauthenticated", "authentication required");
    }
    next();
  };
}

/**
 * Middleware answering 403 unless the caller holds `entitlement` in the request's org (the org
 * `X-Org-Id` selects, else the principal's first); 401 when there is no caller.
 */
export function entitlementMiddleware(entitlement: string, authorize: Authorizer): RequestHandler {
  return async (req, _res, next) => {
    if (!req.principal) throw new AppError("unauthenticated", "authentication required");
    const orgId = req.principal.orgs.length || req.get("x-org-id") ? resolveOrg(req.principal, req.get("x-org-id")?.trim() || undefined) : undefined;
    if (!(await authorize(req.principal, entitlement, orgId))) {
      throw new AppError("forbidden", `missing entitlement ${entitlement}`, { entitlement });
    }
    next();
  };
}

/**
 * The tenant scope of a request (ARCHITECTURE §4, "Tenancy"): the org comes from the verified
 * principal; an `X-Org-Id` header selects one of the principal's orgs (any org for the super
 * admin and for service principals). Without the header, the principal's first org is used.
 *
 * @throws AppError `unauthenticated` without a principal; `forbidden` when `X-Org-Id` names an org
 * the principal does not belong to, or the principal belongs to none.
 */
export function scopeOf(req: Request): Scope {
  const principal = req.principal;
  if (!principal) throw new AppError("unauthenticated", "authentication required");
  const requested = req.get("x-org-id")?.trim();
  const orgId = resolveOrg(principal, requested);
  const context = currentContext();
  if (context) context.orgId = orgId;
  return { orgId, principalId: principal.id, principalType: principal.type, entityId: principal.entityId };
}

/**
 * The org a principal acts in, given an optional requested org id (same rules as {@link scopeOf};
 * also used by socket handlers). The super admin and service principals (which serve every
 * tenant) may act in any org, with their own entitlements.
 */
export function resolveOrg(principal: Principal, requested: string | undefined): string {
  if (requested) {
    if (principal.superAdmin || principal.type === "service" || principal.orgs.some((o) => o.orgId === requested)) return requested;
    throw new AppError("forbidden", "not a member of the requested organization");
  }
  const first = principal.orgs[0];
  if (!first) throw new AppError("forbidden", "principal belongs to no organization");
  return first.orgId;
}
