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
  /** `created` (the agent was registered now) or `exists` (it was already there). */
  status: "created" | "exists";
  /** The platform version the assistants service runs for it (it follows newer ones). */
  version: number;
}

/**
 * Installs public assistants of the platform (its bootstrap assistants, say) into an org, so its
 * people can talk with them: for each key, an agent of the org named `assistant:<org slug>:<name>`
 * is registered in identity with the capabilities the platform resource declares (identity
 * refuses more than the caller holds). The assistants service runs the platform's latest version
 * of `assistants/<name>` for such an agent, in the org, and follows newer versions (see
 * assistants/README.md, "Platform assistants in every org").
 *
 * Idempotent: an agent that exists is kept.
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
    const { content: source, version } = await findPublicAssistant(catalog, key, sourceOrg);
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
    installed.push({ key, agentId, status: created ? "created" : "exists", version });
  }
  return installed;
}

/**
 * A public assistant resource of `sourceOrg` by key, with its latest published version.
 *
 * @throws AppError `not_found` when `sourceOrg` has no public assistant with that key.
 */
export async function findPublicAssistant(catalog: CatalogClient, key: string, sourceOrg = "platform"): Promise<{ id: string; version: number; content: VersionContent }> {
  // Listed, not searched: a full-text search ranks and may leave the resource out.
  for await (const resource of catalog.iterateResources({ type: "assistant", org: sourceOrg, visibility: "public" })) {
    if (resource.key !== key) continue;
    const latest = await catalog.getVersion(resource.id, "latest");
    return { id: resource.id, version: latest.version, content: latest.content };
  }
  throw new AppError("not_found", `${key} is not a public assistant of org ${sourceOrg}`);
}
