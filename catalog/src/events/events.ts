import type { Resource, VersionSummary } from "@symbia/catalog-client";
import type { Logger } from "@symbia/http";

/**
 * What catalog tells the platform about changes. The relay implementation (network's
 * `@symbia/relay` node client) emits `catalog.resource.published` so assistants and runtime reload
 * what changed; until that client exists, {@link loggedCatalogEvents} records each event in the
 * service log. Called after the change is committed; a failure here never fails the request.
 */
export interface CatalogEvents {
  /** Version `version` of `resource` was published (relay event type `catalog.resource.published`). */
  published(resource: Resource, version: VersionSummary): void | Promise<void>;
}

/** Relay event type of {@link CatalogEvents.published}. */
export const RESOURCE_PUBLISHED = "catalog.resource.published";

/**
 * Records every catalog event as one info line (`event: catalog.resource.published`, org, key,
 * version, digest, visibility): the payload the relay will carry.
 */
export function loggedCatalogEvents(logger: Logger): CatalogEvents {
  return {
    published(resource, version) {
      logger.info(
        { event: RESOURCE_PUBLISHED, orgId: resource.orgId, resourceId: resource.id, key: resource.key, type: resource.type, visibility: resource.visibility, version: version.version, digest: version.digest },
        RESOURCE_PUBLISHED,
      );
    },
  };
}
