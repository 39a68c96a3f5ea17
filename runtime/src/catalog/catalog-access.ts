import { CatalogClient, type TokenSource } from "@symbia/catalog-client";
import { outgoingTraceHeaders } from "@symbia/http";
import { AppError, isAppError } from "@symbia/sys";

/** How runtime reaches catalog: its URL and the runtime service principal's login (absent without RUNTIME_SERVICE_SECRET). */
export interface CatalogAccess {
  baseUrl: string;
  /** The runtime service principal (`service:runtime`, platform-wide `cap:catalog.read`). */
  session: TokenSource | null;
  /** The org holding the platform's resources (catalog's `CATALOG_PLATFORM_ORG_ID`). */
  platformOrgId: string;
}

/**
 * A catalog client acting as the runtime service principal in `orgId` (`X-Org-Id`), passing the
 * current trace context on.
 * @throws AppError `unavailable` (503) when runtime has no service credentials.
 */
export function serviceCatalog(access: CatalogAccess, orgId: string): CatalogClient {
  if (!access.session) throw new AppError("unavailable", "runtime has no service credentials for catalog (RUNTIME_SERVICE_SECRET is not set)");
  return new CatalogClient({ baseUrl: access.baseUrl, token: access.session, orgId, headers: () => outgoingTraceHeaders() });
}

/** A catalog client acting with the caller's own credential (bearer token or `sk_` key) in `orgId`. */
export function callerCatalog(access: CatalogAccess, credential: string, orgId: string): CatalogClient {
  return new CatalogClient({ baseUrl: access.baseUrl, token: credential, orgId, headers: () => outgoingTraceHeaders() });
}

/**
 * Turns a failed catalog call into what runtime's caller should see: catalog unreachable → 503;
 * catalog refusing runtime's own service credentials → 502 (the caller did nothing wrong);
 * catalog rate limits → 503 with a retry hint; the caller's own errors (404, 400, 409, and 401/403
 * when acting with the caller's credential) pass through with catalog's message.
 */
export function catalogFailure(error: unknown, options: { asService: boolean; what: string }): AppError {
  if (!isAppError(error)) {
    return new AppError("unavailable", `catalog is unreachable (${options.what})`, undefined, { retryAfterSeconds: 5, cause: error });
  }
  if (options.asService && (error.code === "unauthenticated" || error.code === "forbidden")) {
    return new AppError("bad_gateway", `catalog refused runtime's service credentials (${options.what}): ${error.message}`);
  }
  if (error.code === "rate_limited") return new AppError("unavailable", `catalog is busy (${options.what})`, undefined, { retryAfterSeconds: error.retryAfterSeconds ?? 5 });
  if (error.code === "internal" || error.code === "unavailable" || error.code === "timeout") {
    return new AppError("bad_gateway", `catalog failed (${options.what}): ${error.message}`);
  }
  return error;
}
