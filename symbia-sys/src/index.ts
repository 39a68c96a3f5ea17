export { SERVICES, SERVICE_IDS, getService, isServiceId, envPrefix, serviceUrl, serviceUrls } from "./services.js";
export type { ServiceId, ServiceDefinition } from "./services.js";
export { ERROR_CODES, AppError, isAppError } from "./errors.js";
export type { ErrorCode, ErrorEnvelope } from "./errors.js";
export { ORG_ROLES } from "./principals.js";
export type { Principal, PrincipalType, OrgRole, OrgMembership, Scope } from "./principals.js";
export {
  CAPABILITIES,
  ROLES,
  ROLE_CAPABILITIES,
  ROLE_PARENTS,
  ALL_CAPABILITIES,
  isCapability,
  isRole,
  orgRoleEntitlement,
  expandEntitlements,
  entitlementCovers,
} from "./capabilities.js";
