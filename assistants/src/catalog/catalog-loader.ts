import type { CatalogClient } from "@symbia/catalog-client";
import type { Logger } from "@symbia/http";
import type { IdentityClient } from "@symbia/id";
import { z } from "zod";
import type { AssistantRegistry } from "../assistants/assistants.service.js";

/**
 * Finds (or, where identity allows the assistants service to, registers) the agent principal an
 * assistant acts as. The agent must be an agent of the assistant's own org: a publisher can never
 * make an assistant speak as another org's agent. Registration asks for the declared capabilities;
 * identity refuses any the registrant does not hold. Returns null when no usable agent exists.
 */
export async function resolveAgentPrincipal(
  identity: IdentityClient,
  agentId: string,
  orgId: string,
  declared: { name: string; capabilities: string[] },
  logger: Logger,
): Promise<{ entityId: string } | null> {
  try {
    const entity = await identity.entity(`agent:${agentId}`);
    if (entity.type === "agent" && entity.orgId === orgId) return { entityId: entity.id };
    logger.warn({ agentId, orgId, agentOrg: entity.orgId }, "agent id belongs to another org: refused");
    return null;
  } catch (error) {
    if ((error as { code?: string }).code !== "not_found") throw error;
  }
  try {
    // The one-time secret in the answer is not kept: the service vouches for its agents on the bus.
    const created = await identity.request("POST", "/api/agents", z.object({ agent: z.object({ entityId: z.string() }) }), { agentId, name: declared.name, capabilities: declared.capabilities }, true, orgId);
    return { entityId: created.agent.entityId };
  } catch (error) {
    logger.warn({ agentId, orgId, err: (error as Error).message }, "could not register the agent principal (the publisher registers it in identity)");
    return null;
  }
}

/** Options of {@link startCatalogLoader}. */
export interface CatalogLoaderOptions {
  catalog: CatalogClient;
  identity: IdentityClient;
  registry: AssistantRegistry;
  logger: Logger;
  pollMs: number;
}

/**
 * Loads published assistant resources from catalog now and every `pollMs`: for each assistant
 * whose latest version is not the one loaded, fetches the version and installs it (validated;
 * agent principal resolved). Returns `reload` (for catalog's `catalog.resource.published` relay
 * event) and `stop`.
 */
export function startCatalogLoader(options: CatalogLoaderOptions): { ready: Promise<void>; reload(): Promise<void>; stop(): void } {
  const { catalog, identity, registry, logger } = options;
  let running: Promise<void> | null = null;
  // Versions refused by validation: not fetched (nor logged) again.
  const refused = new Set<string>();
  const loadOnce = async () => {
    for await (const resource of catalog.iterateResources({ type: "assistant" })) {
      if (!resource.latestVersion || !resource.latestDigest) continue;
      const current = registry.find(resource.orgId, resource.key);
      if (current && current.version === resource.latestVersion && current.digest === resource.latestDigest && current.status !== "no_agent") continue;
      if (refused.has(`${resource.orgId}/${resource.key}@${resource.latestDigest}`)) continue;
      try {
        const version = await catalog.inOrg(resource.orgId).getVersion(resource.key, resource.latestVersion);
        const body = version.content.body as { principal?: { capabilities?: string[] } };
        const loaded = await registry.install(
          { orgId: resource.orgId, key: resource.key, resourceId: resource.id, name: resource.title ?? resource.name, version: version.version, digest: version.digest, body: version.content.body },
          (agentId, orgId) => resolveAgentPrincipal(identity, agentId, orgId, { name: resource.title ?? resource.name, capabilities: body.principal?.capabilities ?? [] }, logger),
        );
        if (loaded.digest !== version.digest || loaded.status === "invalid") refused.add(`${resource.orgId}/${resource.key}@${version.digest}`);
      } catch (error) {
        logger.warn({ key: resource.key, orgId: resource.orgId, err: (error as Error).message }, "could not load an assistant from catalog");
      }
    }
  };
  const reload = () => {
    running ??= loadOnce()
      .catch((error) => logger.warn({ err: (error as Error).message }, "catalog unreachable: keeping the assistants loaded"))
      .finally(() => (running = null));
    return running;
  };
  const ready = reload();
  const timer = options.pollMs > 0 ? setInterval(() => void reload(), options.pollMs) : null;
  timer?.unref();
  return { ready, reload, stop: () => timer && clearInterval(timer) };
}
