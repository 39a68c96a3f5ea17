import { defineRouter } from "@symbia/http";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import { audit } from "../audit/audit.service.js";

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** `/.well-known`: public keys (RFC 7517) and discovery metadata (RFC 8414 subset). */
export function wellKnownRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/.well-known", tag: "keys", auth: "none", description: "Token verification material." });
  router.get("/jwks.json", { summary: "Public keys that verify identity's access tokens (JWK Set)", response: Jwks }, (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=60");
    return deps.keys.jwks();
  });
  // Endpoints are absolute URLs on identity's own address: IDENTITY_ISSUER may be any string.
  const at = (path: string) => new URL(path, deps.config.serviceUrls.identity).toString();
  router.get("/openid-configuration", { summary: "Discovery metadata: issuer, JWKS and introspection endpoints" }, () => ({
    issuer: deps.config.issuer,
    jwks_uri: at("/.well-known/jwks.json"),
    introspection_endpoint: at("/api/auth/introspect"),
    token_endpoint: at("/api/auth/login"),
    id_token_signing_alg_values_supported: ["ES256"],
    introspection_endpoint_auth_methods_supported: ["bearer"],
  }));
  return router;
}

/** `/api/keys`: signing-key administration. */
export function keysRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/keys", tag: "keys" });
  router.post("/rotate", { summary: "Rotate the signing key now (super admin)", response: z.object({ kid: z.string() }), errors: [403] }, async (req) => {
    const caller = req.principal!;
    if (!caller.superAdmin || caller.credential.kind === "api_key") throw new AppError("forbidden", "only the super admin rotates signing keys", { entitlement: CAPABILITIES.identity.keysAdmin });
    const kid = await deps.keys.rotate("manual");
    await audit(deps, { action: "signing_key.rotated", outcome: "success", actor: caller, targetType: "signing_key", targetId: kid });
    return { kid };
  });
  return router;
}
