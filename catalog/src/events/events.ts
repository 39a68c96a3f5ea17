import { RESOURCE_DEPRECATED, RESOURCE_PUBLISHED, RESOURCE_YANKED, type CatalogResourceEventData, type CatalogResourceEventType, type Resource, type VersionSummary } from "@symbia/catalog-client";
import type { Logger } from "@symbia/http";
import type { RelayClient } from "@symbia/relay";

export { RESOURCE_DEPRECATED, RESOURCE_PUBLISHED, RESOURCE_YANKED };

/**
 * What catalog tells the platform about changes: `catalog.resource.published`, `.deprecated` and
 * `.yanked`, so assistants and runtime reload what changed. {@link relayCatalogEvents} emits them
 * as the relay node `service:catalog`; {@link loggedCatalogEvents} only records them in the log
 * (relay disabled). Called after the change is committed; a failure here never fails the request.
 */
export interface CatalogEvents {
  /** Version `version` of `resource` was published (`catalog.resource.published`). */
  published(resource: Resource, version: VersionSummary): void | Promise<void>;
  /** Version `version` of `resource` became `status` (`catalog.resource.deprecated` / `.yanked`). */
  statusChanged?(resource: Resource, version: VersionSummary, status: "deprecated" | "yanked", reason: string): void | Promise<void>;
}

/** The relay event type and `data` of one change. */
export function catalogEvent(resource: Resource, version: VersionSummary, status: VersionSummary["status"], reason?: string): { type: CatalogResourceEventType; data: CatalogResourceEventData } {
  const type = status === "published" ? RESOURCE_PUBLISHED : status === "deprecated" ? RESOURCE_DEPRECATED : RESOURCE_YANKED;
  return {
    type,
    data: { key: resource.key, type: resource.type, orgId: resource.orgId, resourceId: resource.id, visibility: resource.visibility, version: version.version, digest: version.digest, status, ...(reason !== undefined ? { reason } : {}) },
  };
}

/** Records every catalog event as one info line (`event: <type>` and its data): the payload the relay carries. */
export function loggedCatalogEvents(logger: Logger): CatalogEvents {
  const log = (event: ReturnType<typeof catalogEvent>) => logger.info({ event: event.type, ...event.data }, event.type);
  return {
    published: (resource, version) => log(catalogEvent(resource, version, "published")),
    statusChanged: (resource, version, status, reason) => log(catalogEvent(resource, version, status, reason)),
  };
}

/**
 * Catalog events over the network relay, emitted by `client` (the node `service:catalog`) in the
 * resource's org, untargeted: the network routes them along its contracts (by default to
 * `service:assistants` and `service:runtime`). Each is also logged. Emitting never holds up the
 * request: while the relay is down events wait in the client's bounded outbox, and an event the
 * network refuses is logged as a warning.
 */
export function relayCatalogEvents(client: RelayClient, logger: Logger): CatalogEvents {
  const logged = loggedCatalogEvents(logger);
  const emit = (event: ReturnType<typeof catalogEvent>) => {
    void client.emit(event.type, event.data, { orgId: event.data.orgId }).then(
      (result) => {
        if (!result.queued && result.status !== "delivered") logger.warn({ event: event.type, key: event.data.key, version: event.data.version, status: result.status, reason: result.reason }, "catalog event not delivered");
      },
      (error: unknown) => logger.warn({ err: error, event: event.type, key: event.data.key }, "catalog event not sent"),
    );
  };
  return {
    published(resource, version) {
      void logged.published(resource, version);
      emit(catalogEvent(resource, version, "published"));
    },
    statusChanged(resource, version, status, reason) {
      void logged.statusChanged?.(resource, version, status, reason);
      emit(catalogEvent(resource, version, status, reason));
    },
  };
}
