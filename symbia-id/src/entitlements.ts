import { hasEntitlement, resolveOrg } from "@symbia/http";
import { AppError } from "@symbia/sys";
import type { RequestHandler } from "express";

/**
 * Express middleware: 401 without a principal, 403 unless it holds `entitlement` (with role
 * inheritance, already expanded in the principal) in the request's org. Route specs' `entitlement`
 * field does the same; this is for hand-written routers.
 */
export function requireEntitlement(entitlement: string): RequestHandler {
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal) return next(new AppError("unauthenticated", "authentication required"));
    let orgId: string | undefined;
    try {
      orgId = principal.orgs.length || req.get("x-org-id") ? resolveOrg(principal, req.get("x-org-id")?.trim() || undefined) : undefined;
    } catch (error) {
      return next(error);
    }
    if (!hasEntitlement(principal, entitlement, orgId)) return next(new AppError("forbidden", `missing entitlement ${entitlement}`, { entitlement }));
    next();
  };
}
