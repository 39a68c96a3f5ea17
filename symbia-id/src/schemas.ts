import { ORG_ROLES } from "@symbia/sys";
import { z } from "zod";

/** Identity's wire schemas: request bodies and responses of its REST API (ARCHITECTURE §2). */

const Id = z.string().min(1).max(200);
const Email = z.email().max(254).transform((e) => e.toLowerCase());
const Entitlement = z.string().regex(/^(cap:[a-z][a-z0-9_-]*(\.[a-z*][a-z0-9_*-]*)+|role:[a-z][a-z0-9_:-]*)$/, "an entitlement is cap:<service>.<action> or role:<name>");
export const OrgRole = z.enum(ORG_ROLES);
const Timestamp = z.string().describe("ISO 8601 UTC");

/** Password rules are enforced by the service (length ≥ 12 and a strength estimate). */
export const RegisterBody = z.object({
  email: Email,
  password: z.string().min(1).max(1024),
  name: z.string().trim().min(1).max(200),
  /** Create an organization owned by the new user. */
  orgName: z.string().trim().min(1).max(200).optional(),
  /** "cookie": also set the refresh token as an httpOnly cookie (browser sessions). */
  session: z.enum(["token", "cookie"]).default("token"),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({ email: Email, password: z.string().min(1).max(1024), session: z.enum(["token", "cookie"]).default("token") });
export const RefreshBody = z.object({ refreshToken: z.string().min(1).max(500).optional() });
export const LogoutBody = z.object({ refreshToken: z.string().min(1).max(500).optional() });
export const ServiceTokenBody = z.object({ serviceId: z.string().min(1).max(50), secret: z.string().min(1).max(500) });
export const AgentTokenBody = z.object({ agentId: z.string().min(1).max(200), secret: z.string().min(1).max(500) });
export const IntrospectBody = z.object({ token: z.string().min(1).max(4096), token_type_hint: z.string().max(50).optional() });
export const PasswordResetRequestBody = z.object({ email: Email });
export const PasswordResetConfirmBody = z.object({ token: z.string().min(1).max(500), password: z.string().min(1).max(1024) });
export const ChangePasswordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) });

/** A principal as identity shows it (no secrets). */
export const PrincipalView = z
  .object({
    id: Id,
    type: z.enum(["user", "agent", "service"]),
    entityId: z.string(),
    name: z.string(),
    email: z.string().optional(),
    superAdmin: z.boolean(),
    orgs: z.array(z.object({ orgId: z.string(), role: OrgRole.optional(), entitlements: z.array(z.string()) })),
    entitlements: z.array(z.string()),
  })
  .meta({ id: "PrincipalView" });
export type PrincipalView = z.infer<typeof PrincipalView>;

export const TokenResponse = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string().optional(),
    tokenType: z.literal("Bearer"),
    /** Seconds until the access token expires. */
    expiresIn: z.number().int(),
    principal: PrincipalView,
    /** With session "cookie": the CSRF token to send as `X-CSRF-Token` with cookie-based calls. */
    csrfToken: z.string().optional(),
  })
  .meta({ id: "TokenResponse" });
export type TokenResponse = z.infer<typeof TokenResponse>;

/** RFC 7662 §2.2 introspection response, with Symbia's principal extensions. */
export const IntrospectionResponse = z
  .object({
    active: z.boolean(),
    sub: z.string().optional(),
    scope: z.string().optional(),
    client_id: z.string().optional(),
    token_type: z.enum(["access_token", "api_key"]).optional(),
    exp: z.number().int().optional(),
    iat: z.number().int().optional(),
    iss: z.string().optional(),
    jti: z.string().optional(),
    principal_type: z.enum(["user", "agent", "service"]).optional(),
    entity_id: z.string().optional(),
    name: z.string().optional(),
    super_admin: z.boolean().optional(),
    orgs: z.array(z.object({ orgId: z.string(), role: OrgRole.optional(), entitlements: z.array(z.string()) })).optional(),
    entitlements: z.array(z.string()).optional(),
    /** API keys: the scopes that narrow the key. */
    scopes: z.array(z.string()).optional(),
    key_id: z.string().optional(),
  })
  .meta({ id: "IntrospectionResponse" });
export type IntrospectionResponse = z.infer<typeof IntrospectionResponse>;

export const Revocation = z.object({ id: z.string(), kind: z.enum(["token", "session", "principal"]), value: z.string(), revokedAt: Timestamp, expiresAt: Timestamp });
export type Revocation = z.infer<typeof Revocation>;
export const RevocationFeed = z.object({ items: z.array(Revocation), nextCursor: z.string() }).meta({ id: "RevocationFeed" });
export type RevocationFeed = z.infer<typeof RevocationFeed>;

export const Organization = z
  .object({ id: z.string(), slug: z.string(), name: z.string(), role: OrgRole.optional(), rateLimit: z.object({ points: z.number(), durationSeconds: z.number() }).nullable(), createdAt: Timestamp })
  .meta({ id: "Organization" });
export type Organization = z.infer<typeof Organization>;
export const CreateOrgBody = z.object({ name: z.string().trim().min(1).max(200), slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/).optional() });
export const UpdateOrgBody = z.object({ name: z.string().trim().min(1).max(200) });
export const OrgLimitsBody = z.object({ points: z.number().int().min(1).max(1_000_000), durationSeconds: z.number().int().min(1).max(86_400) }).nullable();

export const Member = z.object({ orgId: z.string(), userId: z.string(), entityId: z.string(), email: z.string(), name: z.string(), role: OrgRole, createdAt: Timestamp }).meta({ id: "Member" });
export const AddMemberBody = z.object({ email: Email, role: OrgRole.default("member") });
export const UpdateMemberBody = z.object({ role: OrgRole });

export const Invitation = z
  .object({ id: z.string(), orgId: z.string(), orgName: z.string().optional(), email: z.string(), role: OrgRole, status: z.enum(["pending", "accepted", "declined", "revoked"]), invitedBy: z.string(), createdAt: Timestamp })
  .meta({ id: "Invitation" });
export const CreateInvitationBody = z.object({ email: Email, role: OrgRole.default("member") });

const NamedBody = z.object({ name: z.string().trim().min(1).max(200), description: z.string().max(2000).optional() });
export const CreateProjectBody = NamedBody;
export const UpdateProjectBody = NamedBody.partial();
export const Project = z.object({ id: z.string(), orgId: z.string(), name: z.string(), description: z.string().nullable(), createdAt: Timestamp }).meta({ id: "Project" });
export const Application = z.object({ id: z.string(), orgId: z.string(), projectId: z.string(), name: z.string(), description: z.string().nullable(), createdAt: Timestamp }).meta({ id: "Application" });
export const AppService = z.object({ id: z.string(), orgId: z.string(), applicationId: z.string(), name: z.string(), description: z.string().nullable(), createdAt: Timestamp }).meta({ id: "AppService" });

export const RegisterAgentBody = z.object({
  /** Platform-wide handle, e.g. `assistant:support`. */
  agentId: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*(:[a-z0-9][a-z0-9_.-]*)*$/, "lower-case words separated by ':'")
    .max(120)
    // These prefixes name network node kinds; an agent must never be mistaken for one.
    .refine((id) => !/^(service|sandbox|bridge):/.test(id), "the prefixes service:, sandbox: and bridge: are reserved"),
  name: z.string().trim().min(1).max(200),
  capabilities: z.array(Entitlement).max(100).default([]),
});
export const Agent = z
  .object({ id: z.string(), agentId: z.string(), entityId: z.string(), orgId: z.string(), name: z.string(), capabilities: z.array(z.string()), createdBy: z.string(), createdAt: Timestamp, revokedAt: Timestamp.nullable() })
  .meta({ id: "Agent" });
export type Agent = z.infer<typeof Agent>;
export const AgentWithSecret = z.object({ agent: Agent, secret: z.string().describe("shown once") });

export const CreateApiKeyBody = z.object({ name: z.string().trim().min(1).max(200), scopes: z.array(Entitlement).min(1).max(100), expiresAt: z.iso.datetime().optional() });
export const ApiKey = z
  .object({ id: z.string(), orgId: z.string(), principalId: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.string()), expiresAt: Timestamp.nullable(), lastUsedAt: Timestamp.nullable(), createdAt: Timestamp, revokedAt: Timestamp.nullable() })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof ApiKey>;
export const ApiKeyWithSecret = z.object({ apiKey: ApiKey, key: z.string().describe("sk_…, shown once") });

export const GrantBody = z.object({ principalId: Id, entitlement: Entitlement });
export const Grant = z.object({ id: z.string(), orgId: z.string(), principalId: z.string(), entitlement: z.string(), grantedBy: z.string(), createdAt: Timestamp }).meta({ id: "Grant" });
export const EffectiveEntitlements = z.object({ principalId: z.string(), orgId: z.string(), superAdmin: z.boolean(), entitlements: z.array(z.string()) });

export const CreateCredentialBody = z.object({
  provider: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/),
  kind: z.enum(["api_key", "oauth_token"]).default("api_key"),
  name: z.string().trim().min(1).max(200),
  secret: z.string().min(1).max(16_384),
  /** "user": the caller's own; "org": org-wide (needs org admin). */
  scope: z.enum(["user", "org"]).default("user"),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export const Credential = z
  .object({ id: z.string(), orgId: z.string(), ownerId: z.string().nullable(), provider: z.string(), kind: z.enum(["api_key", "oauth_token"]), name: z.string(), displayPrefix: z.string(), metadata: z.record(z.string(), z.unknown()), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: "Credential" });
export const ResolveCredentialBody = z.object({ principalId: Id, orgId: Id, provider: z.string().min(1).max(63) });
export const ResolvedCredential = z.object({ credentialId: z.string(), provider: z.string(), source: z.enum(["principal", "org"]), secret: z.string(), metadata: z.record(z.string(), z.unknown()) });
export type ResolvedCredential = z.infer<typeof ResolvedCredential>;

export const Entity = z
  .object({ id: z.string(), type: z.enum(["user", "agent", "service"]), slug: z.string(), principalId: z.string(), orgId: z.string().nullable(), displayName: z.string(), nodeId: z.string().nullable(), boundAt: Timestamp.nullable(), createdAt: Timestamp })
  .meta({ id: "Entity" });
export type Entity = z.infer<typeof Entity>;
export const BindEntityBody = z.object({ nodeId: z.string().min(1).max(200) });

export const AuditEntry = z
  .object({ id: z.string(), orgId: z.string().nullable(), actorId: z.string().nullable(), actorType: z.string().nullable(), action: z.string(), targetType: z.string().nullable(), targetId: z.string().nullable(), outcome: z.enum(["success", "failure"]), ip: z.string().nullable(), traceId: z.string().nullable(), details: z.record(z.string(), z.unknown()), createdAt: Timestamp })
  .meta({ id: "AuditEntry" });

/** `?limit=&cursor=` of every list (ARCHITECTURE §4). */
export const PageQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() });

/** `{items, nextCursor}` of a list of `item`. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
