import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).defaultNow().notNull();

/** Entity Directory: one row per principal; `ent_<uuid>` is the same in every service. */
export const entities = pgTable(
  "entities",
  {
    id: text("id").primaryKey(),
    type: text("type").$type<"user" | "agent" | "service">().notNull(),
    /** Unique handle: `@slug` and `type:slug` resolve to the entity. */
    slug: text("slug").notNull(),
    principalId: text("principal_id").notNull(),
    /** Home org (users have memberships instead; services none). */
    orgId: text("org_id"),
    displayName: text("display_name").notNull(),
    /** Network node currently holding the entity. */
    nodeId: text("node_id"),
    boundAt: timestamp("bound_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("entities_slug_uq").on(t.slug), uniqueIndex("entities_principal_uq").on(t.principalId), index("entities_org_idx").on(t.orgId)],
);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    entityId: text("entity_id").notNull(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    superAdmin: boolean("super_admin").notNull().default(false),
    disabled: boolean("disabled").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_uq").on(t.email)],
);

export const organizations = pgTable(
  "organizations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    /** Tenant quota: requests per window across the org (null = platform default only). */
    rateLimitPoints: integer("rate_limit_points"),
    rateLimitSeconds: integer("rate_limit_seconds"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("organizations_slug_uq").on(t.slug)],
);

export const memberships = pgTable(
  "memberships",
  {
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<"owner" | "admin" | "member" | "viewer">().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role").$type<"owner" | "admin" | "member" | "viewer">().notNull(),
    invitedBy: text("invited_by").notNull(),
    status: text("status").$type<"pending" | "accepted" | "declined" | "revoked">().notNull().default("pending"),
    createdAt: createdAt(),
    respondedAt: timestamp("responded_at", { withTimezone: true }),
  },
  (t) => [index("invitations_org_idx").on(t.orgId), index("invitations_email_idx").on(t.email)],
);

export const projects = pgTable(
  "projects",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("projects_org_name_uq").on(t.orgId, t.name)],
);

export const applications = pgTable(
  "applications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("applications_project_name_uq").on(t.projectId, t.name)],
);

/** Services of an application (tenant-defined, not the platform's nine). */
export const appServices = pgTable(
  "app_services",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id").notNull().references(() => applications.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("app_services_app_name_uq").on(t.applicationId, t.name)],
);

export const agents = pgTable(
  "agents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    entityId: text("entity_id").notNull(),
    /** Public handle such as `assistant:support`, unique platform-wide. */
    agentId: text("agent_id").notNull(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 (hex) of the agent's secret; the secret is shown once. */
    credentialHash: text("credential_hash").notNull(),
    capabilities: text("capabilities").array().notNull().default([]),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("agents_agent_id_uq").on(t.agentId), index("agents_org_idx").on(t.orgId)],
);

/** Explicit entitlement grants per org, on top of role-derived ones. */
export const entitlementGrants = pgTable(
  "entitlement_grants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    principalId: text("principal_id").notNull(),
    entitlement: text("entitlement").notNull(),
    grantedBy: text("granted_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("grants_org_principal_ent_uq").on(t.orgId, t.principalId, t.entitlement)],
);

/** ES256 signing keys; the private key is stored encrypted (AES-256-GCM). */
export const signingKeys = pgTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").notNull(),
  publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
  privateKeySealed: text("private_key_sealed").notNull(),
  status: text("status").$type<"active" | "retired">().notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp("retired_at", { withTimezone: true }),
  /** After this, no token signed by the key can still be valid: drop it from the JWKS. */
  verifyUntil: timestamp("verify_until", { withTimezone: true }),
});

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Rotation family (= session id, `sid` claim of its access tokens). */
    familyId: uuid("family_id").notNull(),
    principalId: text("principal_id").notNull(),
    principalType: text("principal_type").$type<"user" | "agent" | "service">().notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_uq").on(t.tokenHash), index("refresh_tokens_family_idx").on(t.familyId)],
);

/** Revocations every verifier polls: a token (jti), a session (sid), or a principal's tokens issued before. */
export const revocations = pgTable(
  "revocations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").$type<"token" | "session" | "principal">().notNull(),
    value: text("value").notNull(),
    reason: text("reason").notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }).notNull(),
    /** When the revocation stops mattering (every token it covers has expired). */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("revocations_revoked_at_idx").on(t.revokedAt), index("revocations_value_idx").on(t.kind, t.value)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    principalId: text("principal_id").notNull(),
    principalType: text("principal_type").$type<"user" | "agent">().notNull(),
    name: text("name").notNull(),
    /** Display prefix, e.g. `sk_3fA9x2`. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes").array().notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.keyHash), index("api_keys_org_idx").on(t.orgId)],
);

/** Vault: provider credentials, AES-256-GCM sealed, bound to owner and provider by AAD. */
export const credentials = pgTable(
  "credentials",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    /** Owner principal; null for an org-wide credential. */
    ownerId: text("owner_id"),
    provider: text("provider").notNull(),
    kind: text("kind").$type<"api_key" | "oauth_token">().notNull(),
    name: text("name").notNull(),
    /** First characters of the secret, for recognition (never enough to use it). */
    displayPrefix: text("display_prefix").notNull(),
    sealed: text("sealed").notNull(),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index("credentials_lookup_idx").on(t.orgId, t.provider)],
);

export const passwordResets = pgTable(
  "password_resets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("password_resets_hash_uq").on(t.tokenHash)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: text("org_id"),
    actorId: text("actor_id"),
    actorType: text("actor_type"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    outcome: text("outcome").$type<"success" | "failure">().notNull(),
    ip: text("ip"),
    traceId: text("trace_id"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("audit_org_time_idx").on(t.orgId, t.createdAt)],
);
