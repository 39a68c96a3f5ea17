import { hasEntitlement } from "@symbia/http";
import { AppError, type Principal } from "@symbia/sys";

/**
 * Checks a caller's standing in an org named by the request path: not a member (and not super
 * admin) → 404, so other tenants' orgs are indistinguishable from absent ones; a member without
 * `entitlement` (API key scopes included) → 403.
 */
export function requireOrgAccess(caller: Principal, orgId: string, entitlement?: string): void {
  if (!caller.superAdmin && !caller.orgs.some((o) => o.orgId === orgId)) throw new AppError("not_found", "organization not found");
  if (entitlement && !hasEntitlement(caller, entitlement, orgId)) throw new AppError("forbidden", `missing entitlement ${entitlement}`, { entitlement });
}
