import { z } from "zod";
import { Digest, ResourceKey, ResourceType, VersionStatus, Visibility } from "./common.js";

/** Relay event: a version was published (catalog is the node `service:catalog`). */
export const RESOURCE_PUBLISHED = "catalog.resource.published";
/** Relay event: a version was deprecated (still readable; a newer one should be used). */
export const RESOURCE_DEPRECATED = "catalog.resource.deprecated";
/** Relay event: a version was yanked (no longer served as latest; reload or stop using it). */
export const RESOURCE_YANKED = "catalog.resource.yanked";
/** The relay event types catalog emits, in the order of a version's life. */
export const CATALOG_RESOURCE_EVENTS = [RESOURCE_PUBLISHED, RESOURCE_DEPRECATED, RESOURCE_YANKED] as const;
/** One of {@link CATALOG_RESOURCE_EVENTS}. */
export type CatalogResourceEventType = (typeof CATALOG_RESOURCE_EVENTS)[number];

/**
 * `data` of catalog's relay events ({@link CATALOG_RESOURCE_EVENTS}): which version of which
 * resource changed, so assistants and runtime can reload it. The envelope's `orgId` is the
 * resource's org, as here. `reason` is the deprecation or yank reason.
 */
export const CatalogResourceEventData = z
  .object({
    key: ResourceKey,
    type: ResourceType,
    orgId: z.string().min(1),
    resourceId: z.uuid(),
    visibility: Visibility,
    version: z.int().min(1),
    digest: Digest,
    status: VersionStatus,
    reason: z.string().optional(),
  })
  .meta({ id: "CatalogResourceEventData" });
/** See {@link CatalogResourceEventData}. */
export type CatalogResourceEventData = z.infer<typeof CatalogResourceEventData>;
