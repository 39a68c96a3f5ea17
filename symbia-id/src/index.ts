export { AccessTokenClaims, principalFromClaims } from "./claims.js";
export { createVerifier, verifyAccessToken, bearerOf, principalFromIntrospection, RevocationSet, API_KEY_PREFIX } from "./verifier.js";
export type { Verifier, VerifierOptions } from "./verifier.js";
export { IdentityClient } from "./client.js";
export type { TokenSource } from "./client.js";
export { loginAsService, loginAsAgent } from "./login.js";
export type { LoginSession } from "./login.js";
export { requireEntitlement } from "./entitlements.js";
export * from "./schemas.js";
