import { bigint, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).defaultNow().notNull();

/**
 * Resources: one row per `<type-plural>/<name>` key per org. Holds the descriptive fields, the
 * access rules and the draft; published content lives in `resource_versions`. JSON documents are
 * stored as text (their exact JSON), so both databases hand back what was written.
 */
export const resources = pgTable(
  "resources",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: text("org_id").notNull(),
    type: text("type").$type<"component" | "graph" | "executor" | "assistant" | "context" | "integration">().notNull(),
    name: text("name").notNull(),
    key: text("key").notNull(),
    title: text("title"),
    description: text("description").notNull().default(""),
    tags: text("tags").array().notNull(),
    visibility: text("visibility").$type<"public" | "org" | "private">().notNull(),
    status: text("status").$type<"draft" | "published" | "deprecated" | "yanked">().notNull(),
    /** JSON object text. */
    metadata: text("metadata").notNull(),
    /** The draft body: JSON text, validated by the type's schema. */
    draftBody: text("draft_body").notNull(),
    ownerId: text("owner_id").notNull(),
    /** Version `latest` resolves to (highest not yanked), null when none. */
    latestVersion: integer("latest_version"),
    latestDigest: text("latest_digest"),
    /** Highest version number ever published (0 before the first). */
    versionCount: integer("version_count").notNull().default(0),
    /** Lower-cased key, name, title, description and tags: what search matches against. */
    searchText: text("search_text").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex("resources_org_key_uq").on(t.orgId, t.key), index("resources_type_idx").on(t.type), index("resources_visibility_idx").on(t.visibility)],
);

/** Published versions. Rows are inserted once; only `status`, its reason and time ever change. */
export const resourceVersions = pgTable(
  "resource_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    resourceId: uuid("resource_id").notNull().references(() => resources.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    version: integer("version").notNull(),
    /** `sha256:` of `content`. */
    digest: text("digest").notNull(),
    /** RFC 8785 canonical JSON of the version content: the exact bytes the digest covers. */
    content: text("content").notNull(),
    changelog: text("changelog"),
    status: text("status").$type<"published" | "deprecated" | "yanked">().notNull(),
    statusReason: text("status_reason"),
    statusChangedAt: timestamp("status_changed_at", { withTimezone: true }),
    publishedBy: text("published_by").notNull(),
    publishedAt: timestamp("published_at", { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex("resource_versions_uq").on(t.resourceId, t.version), index("resource_versions_digest_idx").on(t.digest)],
);

/** Artifacts of the draft (`version = 0`) and of versions; the bytes live in the blob store by digest. */
export const artifacts = pgTable(
  "artifacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    resourceId: uuid("resource_id").notNull().references(() => resources.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    digest: text("digest").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("artifacts_uq").on(t.resourceId, t.version, t.name), index("artifacts_digest_idx").on(t.digest)],
);

/** Ed25519 public keys registered by principals. */
export const signingKeys = pgTable(
  "signing_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    principalId: text("principal_id").notNull(),
    name: text("name").notNull(),
    /** SPKI PEM. */
    publicKey: text("public_key").notNull(),
    /** `sha256:` of the DER SPKI: a key is registered once. */
    fingerprint: text("fingerprint").notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("signing_keys_fingerprint_uq").on(t.fingerprint), index("signing_keys_principal_idx").on(t.principalId)],
);

/** Signatures over version digests, checked before they are stored. */
export const signatures = pgTable(
  "signatures",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    resourceId: uuid("resource_id").notNull().references(() => resources.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    version: integer("version").notNull(),
    digest: text("digest").notNull(),
    keyId: uuid("key_id").notNull().references(() => signingKeys.id),
    principalId: text("principal_id").notNull(),
    /** base64 of the 64-byte signature. */
    signature: text("signature").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("signatures_uq").on(t.resourceId, t.version, t.keyId)],
);

/** Explicit access to a (private) resource for one principal. */
export const resourceGrants = pgTable(
  "resource_grants",
  {
    resourceId: uuid("resource_id").notNull().references(() => resources.id, { onDelete: "cascade" }),
    principalId: text("principal_id").notNull(),
    access: text("access").$type<"read" | "write">().notNull(),
    grantedBy: text("granted_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.resourceId, t.principalId] }), index("resource_grants_principal_idx").on(t.principalId)],
);

/** What happened to a resource, in order: the history list. */
export const resourceEvents = pgTable(
  "resource_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    resourceId: uuid("resource_id").notNull().references(() => resources.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    /** Per-resource sequence number, 1, 2, 3… */
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    version: integer("version"),
    principalId: text("principal_id").notNull(),
    /** JSON object text, or null. */
    data: text("data"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("resource_events_seq_uq").on(t.resourceId, t.seq)],
);
