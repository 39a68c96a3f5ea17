import { z } from "zod";

/** The six kinds of resource the catalog holds. */
export const RESOURCE_TYPES = ["component", "graph", "executor", "assistant", "context", "integration"] as const;
/** One of {@link RESOURCE_TYPES}. */
export type ResourceType = (typeof RESOURCE_TYPES)[number];
/** zod enum of {@link RESOURCE_TYPES}. */
export const ResourceType = z.enum(RESOURCE_TYPES);

/** Plural of each type: the first segment of a resource key (`components/map`). */
export const TYPE_PLURALS: Readonly<Record<ResourceType, string>> = {
  component: "components",
  graph: "graphs",
  executor: "executors",
  assistant: "assistants",
  context: "contexts",
  integration: "integrations",
};

/**
 * A resource name: lower-case segments of letters, digits, `.`, `_` and `-`, optionally separated
 * by `/` (`map`, `acme/parser`), at most 128 characters. It is the part of the key after the type.
 */
export const ResourceName = z
  .string()
  .max(128)
  .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, "a name is lower-case letters, digits, '.', '_', '-' in '/'-separated segments");

/** A resource key, unique per org: `<type-plural>/<name>`, e.g. `components/map`. */
export const ResourceKey = z.string().regex(/^(components|graphs|executors|assistants|contexts|integrations)\/[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, "a key is <type-plural>/<name>");

/**
 * The key of a resource of `type` named `name`.
 * @example resourceKey("component", "map") // "components/map"
 */
export function resourceKey(type: ResourceType, name: string): string {
  return `${TYPE_PLURALS[type]}/${name}`;
}

/** Splits a key into its type and name; null when the key is malformed. */
export function parseResourceKey(key: string): { type: ResourceType; name: string } | null {
  if (!ResourceKey.safeParse(key).success) return null;
  const slash = key.indexOf("/");
  const plural = key.slice(0, slash);
  const type = RESOURCE_TYPES.find((t) => TYPE_PLURALS[t] === plural)!;
  return { type, name: key.slice(slash + 1) };
}

/**
 * A reference to a resource in a route: its id (UUID) or its key. Keys are resolved in the org the
 * caller acts in, then among the platform's public resources.
 */
export const ResourceRef = z.union([z.uuid(), ResourceKey], { error: "a resource reference is its id (UUID) or its key (<type-plural>/<name>)" });

/** Who may read a resource: every authenticated principal, members of its org, or its owner and grantees. */
export const VISIBILITIES = ["public", "org", "private"] as const;
/** One of {@link VISIBILITIES}. */
export const Visibility = z.enum(VISIBILITIES);
export type Visibility = z.infer<typeof Visibility>;

/**
 * A resource's lifecycle: `draft` until first published; then the state of the version `latest`
 * resolves to (`published` or `deprecated`); `yanked` when every version is yanked.
 */
export const RESOURCE_STATUSES = ["draft", "published", "deprecated", "yanked"] as const;
/** One of {@link RESOURCE_STATUSES}. */
export const ResourceStatus = z.enum(RESOURCE_STATUSES);
export type ResourceStatus = z.infer<typeof ResourceStatus>;

/** A published version's state. Content never changes; only this does (with a reason). */
export const VERSION_STATUSES = ["published", "deprecated", "yanked"] as const;
/** One of {@link VERSION_STATUSES}. */
export const VersionStatus = z.enum(VERSION_STATUSES);
export type VersionStatus = z.infer<typeof VersionStatus>;

/** A SHA-256 digest written `sha256:<64 lower-case hex>`. */
export const Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "a digest is sha256:<64 lower-case hex digits>");

/** A tag: lower-case letters, digits, `.`, `_`, `:` and `-`, 1–50 characters. */
export const Tag = z.string().regex(/^[a-z0-9][a-z0-9._:-]{0,49}$/, "a tag is 1–50 lower-case letters, digits, '.', '_', ':', '-'");

/** Up to 32 distinct tags. */
export const Tags = z
  .array(Tag)
  .max(32)
  .superRefine((tags, ctx) => {
    const seen = new Set<string>();
    tags.forEach((tag, i) => {
      if (seen.has(tag)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate tag "${tag}"` });
      seen.add(tag);
    });
  });

/** Largest serialized size of a metadata object or a resource body, in bytes of JSON text. */
export const LIMITS = { metadataBytes: 64 * 1024, bodyBytes: 1024 * 1024, description: 4_000, title: 200, changelog: 20_000, reason: 2_000 } as const;

/**
 * Plain text of at most `max` characters, without NUL characters (PostgreSQL text cannot hold
 * them: refused here as bad input rather than failing in the database).
 */
export function Text(max: number) {
  return z.string().max(max).regex(/^[^\u0000]*$/, "must not contain NUL characters");
}

/** A JSON value: string, finite number, boolean, null, or an array or object of JSON values. */
export type Json = z.core.util.JSONType;

/**
 * zod schema of a {@link Json} value: `z.json()`, written as a named recursive schema
 * (`CatalogJsonValue`) so OpenAPI generators emit one recursive component instead of recursing
 * forever. (The id is catalog's own: zod's global registry refuses a second `JsonValue`.)
 */
export const Json: z.ZodType<Json> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Json), z.record(z.string(), Json)]))
  .meta({ id: "CatalogJsonValue" });

/** Free-form metadata: a JSON object of at most 64 KiB. */
export const Metadata = z
  .record(z.string().min(1).max(100), Json)
  .refine((value) => JSON.stringify(value).length <= LIMITS.metadataBytes, { message: `metadata is larger than ${LIMITS.metadataBytes} bytes of JSON` });
export type Metadata = z.infer<typeof Metadata>;

/** An ISO 8601 UTC timestamp. */
export const Timestamp = z.iso.datetime();

/** A page of a list: `items` and the cursor of the next page (null on the last). */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
/** A page of `T`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `?limit=&cursor=` of every list: 1–100 items (default 50) and an opaque cursor. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: Text(500).min(1).optional(),
});

/** A boolean query flag: `true`/`false`/`1`/`0`. */
export const QueryFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** A comma-separated list of tags in a query string (`tag=a,b`: both must be present). */
export const TagsQuery = z
  .string()
  .max(1_000)
  .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(Tag).max(32));
