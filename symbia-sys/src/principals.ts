/** Kind of principal: a person, an AI agent, or a platform service. */
export type PrincipalType = "user" | "agent" | "service";

/** Roles a principal can hold in an organization, strongest first. */
export const ORG_ROLES = ["owner", "admin", "member", "viewer"] as const;
/** One of {@link ORG_ROLES}. */
export type OrgRole = (typeof ORG_ROLES)[number];

/** A principal's standing in one organization. */
export interface OrgMembership {
  orgId: string;
  /** The member's role; agents have none (their capabilities are listed explicitly). */
  role?: OrgRole;
  /**
   * Expanded entitlements held in this org: the role's capabilities (see `expandEntitlements`)
   * plus explicit grants, or an agent's declared capabilities.
   */
  entitlements: string[];
  /** Per-org rate limit (requests per window), when the org sets one. */
  rateLimit?: { points: number; durationSeconds: number };
}

/**
 * The verified caller of a request, as established by the auth middleware from a token or API key.
 * Every service sees the same shape.
 */
export interface Principal {
  /** Principal id (`sub` claim): the user, agent or service id in identity. */
  id: string;
  type: PrincipalType;
  /** Entity id `ent_<uuid>`, the same in every service (Entity Directory). */
  entityId: string;
  /** Display name or agent id, for logs and UIs. */
  name?: string;
  /** Organizations the principal belongs to, with its role and entitlements in each. */
  orgs: OrgMembership[];
  /**
   * Platform-wide expanded entitlements that hold in every org (a service principal's
   * capabilities, for example): `cap:<service>.<action>` and `role:<name>` strings.
   */
  entitlements: string[];
  /** True for the platform's super admin (acts in every org, holds every entitlement). */
  superAdmin?: boolean;
  /** How the caller authenticated. */
  credential: { kind: "token"; tokenId?: string } | { kind: "api_key"; keyId: string; scopes: string[] };
}

/**
 * The tenant scope every store function takes first: which org a request acts in, and who acts.
 * Built from the verified principal; an `X-Org-Id` header only selects among the principal's orgs.
 */
export interface Scope {
  orgId: string;
  principalId: string;
  principalType: PrincipalType;
  entityId: string;
}
