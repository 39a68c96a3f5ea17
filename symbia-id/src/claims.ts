import { expandEntitlements, orgRoleEntitlement, ORG_ROLES, type Principal } from "@symbia/sys";
import { z } from "zod";

/**
 * Claims of a Symbia access token (a JWT, RFC 7519, signed ES256 by identity). Compact on
 * purpose: org roles and explicit capabilities travel, role inheritance is expanded by the
 * verifier ({@link principalFromClaims}).
 */
export const AccessTokenClaims = z.object({
  iss: z.string(),
  /** Principal id. */
  sub: z.string(),
  typ: z.enum(["user", "agent", "service"]),
  /** Entity id `ent_<uuid>`. */
  eid: z.string(),
  name: z.string().optional(),
  /** Session (refresh-token family) the token belongs to; absent for client-credentials tokens. */
  sid: z.string().optional(),
  /** Orgs: role, explicit capabilities (grants; an agent's declared capabilities), tenant rate limit. */
  orgs: z.array(
    z.object({
      id: z.string(),
      role: z.enum(ORG_ROLES).optional(),
      caps: z.array(z.string()).optional(),
      rl: z.tuple([z.number().int(), z.number().int()]).optional(),
    }),
  ),
  /** Platform-wide entitlements (service principals). */
  ents: z.array(z.string()).optional(),
  /** Super admin. */
  sa: z.literal(true).optional(),
  jti: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaims>;

/**
 * The {@link Principal} a verified token stands for: each org's entitlements are its role (with
 * inheritance: owner ⊃ admin ⊃ member ⊃ viewer) plus its explicit capabilities; platform-wide
 * entitlements likewise expanded.
 */
export function principalFromClaims(claims: AccessTokenClaims): Principal {
  return {
    id: claims.sub,
    type: claims.typ,
    entityId: claims.eid,
    ...(claims.name ? { name: claims.name } : {}),
    orgs: claims.orgs.map((o) => ({
      orgId: o.id,
      ...(o.role ? { role: o.role } : {}),
      entitlements: expandEntitlements([...(o.role ? [orgRoleEntitlement(o.role)] : []), ...(o.caps ?? [])]),
      ...(o.rl ? { rateLimit: { points: o.rl[0], durationSeconds: o.rl[1] } } : {}),
    })),
    entitlements: expandEntitlements(claims.ents ?? []),
    ...(claims.sa ? { superAdmin: true } : {}),
    credential: { kind: "token", tokenId: claims.jti },
  };
}
