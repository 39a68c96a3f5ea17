import { CatalogClient, type VersionContent } from "@symbia/catalog-client";
import { Agent, AgentWithSecret, IdentityClient, Organization } from "@symbia/id";
import { AppError, isAppError } from "@symbia/sys";

/** Options of {@link installAssistants}. */
export interface InstallAssistantsOptions {
  identityUrl: string;
  catalogUrl: string;
  /** A bearer token (access token or API key) of an admin of `orgId` holding the catalog and agent capabilities. */
  token: string;
  /** The org the assistants are installed into. */
  orgId: string;
  /** Catalog keys of public assistant resources to install (`assistants/default`). */
  keys: readonly string[];
  /** Org whose public resources are the source (catalog's CATALOG_PLATFORM_ORG_ID; default `platform`). */
  sourceOrgId?: string;
  /** Per-request timeout in ms (default 15 000). */
  timeoutMs?: number;
}

/** What installing one assistant did. */
export interface InstalledAssistant {
  /** The catalog key, the same in the source org and in the target org. */
  key: string;
  /** The agent principal that speaks for it in the org: `assistant:<org slug>:<name>`. */
  agentId: string;
  /** `created` (agent registered and/or version published now) or `exists` (nothing to do). */
  status: "created" | "exists";
  /** The published version in the org. */
  version: number;
}

/**
 * Installs public assistants (the platform's bootstrap assistants, say) into an org, so its
 * people can talk with them: for each key, the source org's latest published assistant resource is
 * copied into the org under the same key with its principal replaced by an agent of the org
 * (`assistant:<org slug>:<name>`, registered in identity with the capabilities the resource
 * declares — identity refuses more than the caller holds), and published. The assistants service
 * loads it from catalog (at once on catalog's relay event, else at its next poll).
 *
 * Idempotent: an agent that exists is kept, and a resource whose published body already matches
 * is not published again.
 *
 * @throws AppError `not_found` when a key is not a public assistant of the source org; the
 * services' errors (`forbidden` when the caller may not register agents or publish) as they come.
 */
export async function installAssistants(options: InstallAssistantsOptions): Promise<InstalledAssistant[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const token = { getToken: async () => options.token };
  const identity = new IdentityClient(options.identityUrl, token, timeoutMs);
  const catalog = new CatalogClient({ baseUrl: options.catalogUrl, token: options.token, orgId: options.orgId });
  const org = await identity.request("GET", `/api/orgs/${encodeURIComponent(options.orgId)}`, Organization, undefined, true, options.orgId);
  const sourceOrg = options.sourceOrgId ?? "platform";
  const installed: InstalledAssistant[] = [];
  for (const key of options.keys) {
    const source = await publicAssistant(catalog, key, sourceOrg);
    const name = source.name;
    const agentId = `assistant:${org.slug}:${name}`;
    const principal = (source.body.principal ?? {}) as { capabilities?: string[] };
    const capabilities = principal.capabilities ?? [];
    let created = false;
    const existing = await identity.request("GET", `/api/agents/${encodeURIComponent(agentId)}`, Agent, undefined, true, options.orgId).catch((error: unknown) => {
      if (isAppError(error) && error.code === "not_found") return null;
      throw error;
    });
    if (!existing) {
      await identity.request("POST", "/api/agents", AgentWithSecret, { agentId, name: source.title ?? name, capabilities }, true, options.orgId);
      created = true;
    }
    const body = { ...source.body, principal: { ...principal, agentId } };
    const input = { type: "assistant" as const, name, title: source.title, description: source.description, tags: source.tags, visibility: "org" as const, metadata: { ...source.metadata, installedFrom: `${sourceOrg}/${key}` }, body };
    // A key names the caller's org's resource first, else a public one of another org: only ours counts.
    const found = await catalog.getResource(key).catch((error: unknown) => {
      if (isAppError(error) && error.code === "not_found") return null;
      throw error;
    });
    const mine = found && found.orgId === options.orgId ? found : null;
    const id = mine ? (await catalog.updateResource(mine.id, { body } as never)).id : (await catalog.createResource(input as never)).id;
    let version: number;
    try {
      version = (await catalog.publish(id, { changelog: `installed from ${sourceOrg}/${key}` })).version;
      created = true;
    } catch (error) {
      // Unchanged since the last publish: already installed.
      if (!isAppError(error) || error.code !== "conflict") throw error;
      version = (await catalog.getVersion(id, "latest")).version;
    }
    installed.push({ key, agentId, status: created ? "created" : "exists", version });
  }
  return installed;
}

/** The latest published content of a public assistant of `sourceOrg`. */
async function publicAssistant(catalog: CatalogClient, key: string, sourceOrg: string): Promise<VersionContent> {
  const hits = await catalog.search({ q: key.split("/").at(-1)!, type: "assistant", org: sourceOrg, visibility: "public" });
  const hit = hits.items.find((h) => h.resource.key === key);
  if (!hit) throw new AppError("not_found", `${key} is not a public assistant of org ${sourceOrg}`);
  return (await catalog.getVersion(hit.resource.id, "latest")).content;
}
