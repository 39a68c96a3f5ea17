import { z } from "zod";
import { Digest, Json, LIMITS, PageQuery, Text, QueryFlag, ResourceType, Timestamp, VersionStatus } from "./common.js";
import { ResourceRefParams } from "./resources.js";

/** What an artifact contributes to a version's content: name, declared type, size (bytes), digest. */
export const ArtifactManifestEntry = z.object({ name: z.string(), contentType: z.string(), size: z.int().nonnegative(), digest: Digest });
export type ArtifactManifestEntry = z.infer<typeof ArtifactManifestEntry>;

/**
 * The frozen content of a version: everything the digest covers. Ids, org, visibility and
 * timestamps are left out on purpose, so the same content has the same digest in any org, after a
 * restart and on either database.
 */
export const VersionContent = z
  .object({
    type: ResourceType,
    key: z.string(),
    name: z.string(),
    title: z.string().nullable(),
    description: z.string(),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), Json),
    body: z.record(z.string(), Json),
    /** Artifacts frozen with the version, sorted by name. */
    artifacts: z.array(ArtifactManifestEntry),
  })
  .meta({ id: "VersionContent" });
export type VersionContent = z.infer<typeof VersionContent>;

/** A published version without its content (history lists). */
export const VersionSummary = z
  .object({
    resourceId: z.uuid(),
    key: z.string(),
    version: z.int().min(1),
    /** `sha256:` of the RFC 8785 canonical JSON of the content. */
    digest: Digest,
    status: VersionStatus,
    /** Why it was deprecated or yanked. */
    statusReason: z.string().nullable(),
    statusChangedAt: Timestamp.nullable(),
    changelog: z.string().nullable(),
    publishedBy: z.string(),
    publishedAt: Timestamp,
  })
  .meta({ id: "VersionSummary" });
export type VersionSummary = z.infer<typeof VersionSummary>;

/** A published version with its frozen content. */
export const Version = VersionSummary.extend({ content: VersionContent }).meta({ id: "Version" });
export type Version = z.infer<typeof Version>;

/** The draft of a resource: its editable body and artifacts, and what publishing it now would freeze. */
export const Draft = z
  .object({
    resourceId: z.uuid(),
    key: z.string(),
    content: VersionContent,
    /** Digest publishing now would give. */
    digest: Digest,
    /** True when the draft equals the highest published version (publishing would be refused). */
    unchanged: z.boolean(),
    updatedAt: Timestamp,
  })
  .meta({ id: "Draft" });
export type Draft = z.infer<typeof Draft>;

/** Body of `POST /api/resources/:ref/publish`. */
export const PublishBody = z.strictObject({
  changelog: Text(LIMITS.changelog).optional(),
  /** When given, publishing fails with 409 unless this is the number the new version gets (optimistic check). */
  expectedVersion: z.int().min(1).optional(),
});
export type PublishBody = z.infer<typeof PublishBody>;

/** Body of deprecate and yank: the reason is required and kept with the version. */
export const StatusChangeBody = z.strictObject({ reason: Text(LIMITS.reason).trim().min(1) });
export type StatusChangeBody = z.infer<typeof StatusChangeBody>;

/** A version selector: a number (`3`), `latest` (highest not yanked) or a digest (`sha256:…`). */
export const VersionSelector = z.union([z.literal("latest"), Digest, z.string().regex(/^[1-9]\d{0,8}$/, "a version number")], {
  error: "a version is a number, latest, or sha256:<hex>",
});

/** `:ref` and `:version` of version routes. */
export const VersionParams = ResourceRefParams.extend({ version: VersionSelector });

/** Filters of `GET /api/resources/:ref/versions`. */
export const ListVersionsQuery = PageQuery.extend({ status: VersionStatus.optional(), verified: QueryFlag.optional() });
export type ListVersionsQuery = z.input<typeof ListVersionsQuery>;

/** One entry of a resource's changelog. */
export const ChangelogEntry = z.object({ version: z.int(), digest: Digest, status: VersionStatus, statusReason: z.string().nullable(), changelog: z.string().nullable(), publishedAt: Timestamp });
export type ChangelogEntry = z.infer<typeof ChangelogEntry>;
