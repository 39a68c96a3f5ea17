import { z } from "zod";
import { RESOURCE_BODY_SCHEMAS, type BodySchemaMap, type ResourceBodyInputs } from "./bodies.js";
import {
  Digest, Json, LIMITS, Text, Metadata, PageQuery, QueryFlag, RESOURCE_TYPES, ResourceKey, ResourceName, ResourceStatus, ResourceType, Tags, TagsQuery, Timestamp, Visibility,
  type ResourceType as ResourceTypeName,
} from "./common.js";

/** A catalog resource: its identity, descriptive fields, access and lifecycle. The body lives in the draft and in versions. */
export const Resource = z
  .object({
    id: z.uuid(),
    orgId: z.string(),
    type: ResourceType,
    name: z.string(),
    /** `<type-plural>/<name>`, unique in the org. */
    key: z.string(),
    title: z.string().nullable(),
    description: z.string(),
    tags: z.array(z.string()),
    visibility: Visibility,
    status: ResourceStatus,
    metadata: z.record(z.string(), Json),
    /** Principal that created it (reads a private resource). */
    ownerId: z.string(),
    /** The version `latest` resolves to (highest not yanked), or null. */
    latestVersion: z.int().nullable(),
    latestDigest: Digest.nullable(),
    /** Highest version number ever published (yanked included), 0 before the first. */
    versionCount: z.int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Resource" });
export type Resource = z.infer<typeof Resource>;

const descriptive = {
  title: Text(LIMITS.title).min(1).nullable().optional(),
  description: Text(LIMITS.description).optional(),
  tags: Tags.optional(),
  visibility: Visibility.optional(),
  metadata: Metadata.optional(),
};

/** What every create body has besides `type` and `body`. */
const createFields = { name: ResourceName, ...descriptive };

/**
 * Body of `POST /api/resources` for a body schema map: `{type, name, body, ...}` where `body` is
 * validated by the type's schema (a discriminated union on `type`). Visibility defaults to `org`.
 * `extra` adds fields to every variant (the bootstrap file adds `changelog`).
 */
export function createResourceBodySchema<E extends z.ZodRawShape = {}>(schemas: BodySchemaMap = RESOURCE_BODY_SCHEMAS, extra: E = {} as E) {
  const variant = <T extends ResourceTypeName>(type: T) => z.strictObject({ type: z.literal(type), ...createFields, body: schemas[type], ...extra });
  return z.discriminatedUnion("type", [
    variant("component"),
    variant("graph"),
    variant("executor"),
    variant("assistant"),
    variant("context"),
    variant("integration"),
  ]);
}

/** Body of `POST /api/resources` with the default body schemas. */
export const CreateResourceBody = createResourceBodySchema();
/** What a caller sends to create a resource of type `T`. */
export type CreateResourceInput<T extends ResourceTypeName = ResourceTypeName> = {
  [K in T]: {
    type: K;
    name: string;
    title?: string | null;
    description?: string;
    tags?: string[];
    visibility?: Visibility;
    metadata?: Record<string, Json>;
    body: ResourceBodyInputs[K];
  };
}[T];

/**
 * Body of `PATCH /api/resources/:ref`: edits the draft and the descriptive fields. `body` is
 * validated against the resource's type (failing paths start with `body.body`). Type and name are
 * fixed at creation. At least one field.
 */
export const UpdateResourceBody = z
  .strictObject({ ...descriptive, body: z.record(z.string(), Json).optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to update" });
export type UpdateResourceBody = z.infer<typeof UpdateResourceBody>;

/** `:ref` of resource routes: an id (UUID) or a URL-encoded key (`components%2Fmap`). */
export const ResourceRefParams = z.object({
  ref: z.union([z.uuid(), ResourceKey], { error: "a resource reference is its id (UUID) or its key (<type-plural>/<name>, URL-encoded)" }),
});

/** Filters of `GET /api/resources` (every filter narrows; `tag=a,b` needs both tags). */
export const ListResourcesQuery = PageQuery.extend({
  type: ResourceType.optional(),
  status: ResourceStatus.optional(),
  visibility: Visibility.optional(),
  /** Only this org's resources. */
  org: Text(100).min(1).optional(),
  tag: TagsQuery.optional(),
  /** Only resources whose latest version carries a valid signature by a registered key. */
  verified: QueryFlag.optional(),
});
export type ListResourcesQuery = z.input<typeof ListResourcesQuery>;

/** Access a grant gives on a private resource: `read`, or `write` (edit the draft with the org capability). */
export const GrantAccess = z.enum(["read", "write"]);

/** An explicit grant on a resource to one principal. */
export const Grant = z
  .object({ resourceId: z.uuid(), principalId: z.string(), access: GrantAccess, grantedBy: z.string(), createdAt: Timestamp })
  .meta({ id: "ResourceGrant" });
export type Grant = z.infer<typeof Grant>;

/** Body of `PUT /api/resources/:ref/grants/:principalId`. */
export const PutGrantBody = z.strictObject({ access: GrantAccess.default("read") });

/** `:ref` and `:principalId` of grant routes. */
export const GrantParams = ResourceRefParams.extend({ principalId: Text(200).min(1) });

/** One entry of a resource's history (created, draft.updated, published, deprecated, yanked, …). */
export const HistoryEvent = z
  .object({
    id: z.uuid(),
    resourceId: z.uuid(),
    type: z.string(),
    version: z.int().nullable(),
    principalId: z.string(),
    data: z.record(z.string(), Json).nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: "HistoryEvent" });
export type HistoryEvent = z.infer<typeof HistoryEvent>;

/** Description of one resource type: its key prefix and the JSON Schema of its body. */
export const ResourceTypeInfo = z.object({ type: ResourceType, plural: z.string(), bodySchema: z.record(z.string(), Json) });
export type ResourceTypeInfo = z.infer<typeof ResourceTypeInfo>;

export { RESOURCE_TYPES };
