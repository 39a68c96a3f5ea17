import { hasEntitlement, resolveOrg, scopeOf } from "@symbia/http";
import { PLATFORM_ORG_ID } from "@symbia/logging-client";
import { AppError, CAPABILITIES, type Principal } from "@symbia/sys";
import type { Request } from "express";

/** What a reader may see: one org, and whether rows classed pii/phi/secret are included. */
export interface ReadScope {
  orgId: string;
  principalId: string;
  /** Holds `cap:logging.read.sensitive` in the org. */
  sensitive: boolean;
}

/** The read scope of a request: its org (`X-Org-Id` among the principal's orgs) and sensitivity. */
export function readScope(req: Request): ReadScope {
  const scope = scopeOf(req);
  return { orgId: scope.orgId, principalId: scope.principalId, sensitive: hasEntitlement(req.principal!, CAPABILITIES.logging.readSensitive, scope.orgId) };
}

/**
 * The org a batch is written to when its items name none: `X-Org-Id` (resolved as everywhere),
 * else the principal's first org, else — for a service principal, which belongs to no org —
 * the platform org of services' own telemetry.
 */
export function batchOrg(req: Request): string {
  const principal = req.principal;
  if (!principal) throw new AppError("unauthenticated", "authentication required");
  const requested = req.get("x-org-id")?.trim() || undefined;
  if (!requested && principal.orgs.length === 0 && (principal.type === "service" || principal.superAdmin)) return PLATFORM_ORG_ID;
  return resolveOrg(principal, requested);
}

/**
 * Checks that `principal` may write telemetry into every org in `orgIds`: it holds
 * `cap:logging.write` there (members by role, agents by grant; service principals and the super
 * admin in any org).
 *
 * @throws AppError `forbidden` naming the first org it may not write to; nothing is stored then.
 */
export function assertCanWrite(principal: Principal, orgIds: Iterable<string>): void {
  for (const orgId of orgIds) {
    const member = principal.orgs.some((o) => o.orgId === orgId);
    const platformWide = principal.type === "service" || principal.superAdmin === true;
    if (!(member || platformWide) || !hasEntitlement(principal, CAPABILITIES.logging.write, orgId)) {
      throw new AppError("forbidden", `not allowed to write telemetry to org ${orgId}`, { orgId, entitlement: CAPABILITIES.logging.write });
    }
  }
}
