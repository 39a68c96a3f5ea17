import type { Logger } from "@symbia/http";
import { CatalogClient, IntegrationBody, type Resource } from "@symbia/catalog-client";
import { PROVIDER_KINDS, type ProviderKind } from "../config.js";
import type { Operation } from "../execute/execute.schemas.js";
import type { ModelConfigSource, OrgModelConfig, ProviderSettings } from "./model-config.js";

/** Options of {@link CatalogModelConfigSource}. */
export interface CatalogModelConfigOptions {
  catalog: CatalogClient;
  /** The org owning the platform's public integration resources (catalog's CATALOG_PLATFORM_ORG_ID). */
  platformOrgId: string;
  /** How long an org's configuration is reused, ms. */
  cacheMs: number;
  logger: Logger;
}

const OPERATION_KEYS: Record<string, Operation> = { chat: "chat", embedding: "embeddings", embeddings: "embeddings", generate: "generate", completion: "generate", completions: "generate" };

/**
 * The SDK base URL of a catalog integration: catalog gives the API root (`baseUrl`) and the paths
 * of its operations (`endpoints.chat: "/v1/chat/completions"`); the OpenAI SDK wants the root up to
 * `/v1`, Anthropic's the root before `/v1/messages`, Hugging Face's the `hf-inference` root.
 */
export function sdkBaseUrl(kind: ProviderKind, body: IntegrationBody): string | undefined {
  if (!body.baseUrl) return undefined;
  const root = body.baseUrl.replace(/\/+$/, "");
  const chat = body.endpoints.chat;
  if (kind === "openai" || kind === "symbia-labs") return chat?.endsWith("/chat/completions") ? root + chat.slice(0, -"/chat/completions".length) : /\/v\d+$/.test(root) ? root : `${root}/v1`;
  if (kind === "anthropic") return chat?.endsWith("/v1/messages") ? root + chat.slice(0, -"/v1/messages".length) : root;
  // Hugging Face: the router's root serves hf-inference under /hf-inference.
  return /^https:\/\/router\.huggingface\.co$/.test(root) ? `${root}/hf-inference` : root;
}

/**
 * Provider configuration from catalog's `integration` resources over the environment's: the
 * platform's public integrations (in `platformOrgId`), then the org's own, which shadow them by
 * name. A base URL set in the environment (OPENAI_BASE_URL…, INTEGRATIONS_PROVIDERS, the models
 * service's URL) is kept over the platform's entry — the deployment knows where it runs — while an
 * org's own integration sets its own. A resource named like an env provider refines it (base URL, default models, models,
 * parameters, credential name); another name adds a provider whose `body.provider` is a provider
 * kind or an env provider to inherit from. The latest published version of each resource is used;
 * unpublished ones are ignored. API keys never come from catalog (the vault or the environment).
 * An unreachable catalog leaves the environment's configuration in force (and is asked again after
 * a few seconds). Org default provider and fallback order stay with the environment's settings.
 */
export class CatalogModelConfigSource implements ModelConfigSource {
  private readonly cache = new Map<string, { until: number; value: Promise<OrgModelConfig> }>();

  constructor(
    private readonly env: ModelConfigSource,
    private readonly options: CatalogModelConfigOptions,
  ) {}

  forOrg(orgId: string): Promise<OrgModelConfig> {
    const cached = this.cache.get(orgId);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = this.load(orgId);
    this.cache.set(orgId, { until: Date.now() + this.options.cacheMs, value });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  /** Forgets cached configurations (all, or one org's). */
  invalidate(orgId?: string): void {
    if (orgId) this.cache.delete(orgId);
    else this.cache.clear();
  }

  private async load(orgId: string): Promise<OrgModelConfig> {
    const base = await this.env.forOrg(orgId);
    try {
      const platform = await this.integrations({ type: "integration", org: this.options.platformOrgId, visibility: "public" });
      const own = orgId === this.options.platformOrgId ? [] : await this.integrations({ type: "integration", org: orgId });
      const providers = new Map(base.providers);
      for (const { resource, body } of [...platform, ...own]) {
        const settings = this.toSettings(resource, body, providers, resource.orgId === orgId);
        if (settings) providers.set(settings.id, settings);
      }
      return { ...base, providers };
    } catch (error) {
      this.options.logger.warn({ orgId, err: (error as Error).message }, "catalog unreachable: using the environment's provider configuration");
      // Ask again soon rather than keeping the fallback for the whole cache period.
      this.cache.set(orgId, { until: Date.now() + 5_000, value: Promise.resolve(base) });
      return base;
    }
  }

  private async integrations(query: { type: "integration"; org: string; visibility?: "public" }): Promise<{ resource: Resource; body: IntegrationBody }[]> {
    const out: { resource: Resource; body: IntegrationBody }[] = [];
    for await (const resource of this.options.catalog.iterateResources(query)) {
      if (resource.latestVersion === null) continue; // never published (or every version yanked)
      const version = await this.options.catalog.getVersion(resource.id, "latest");
      const parsed = IntegrationBody.safeParse(version.content.body);
      if (parsed.success) out.push({ resource, body: parsed.data });
      else this.options.logger.warn({ resource: resource.key, orgId: resource.orgId }, "integration resource with an invalid body ignored");
    }
    return out;
  }

  private toSettings(resource: Resource, body: IntegrationBody, known: ReadonlyMap<string, ProviderSettings>, ownedByOrg: boolean): ProviderSettings | null {
    const id = resource.name;
    const inherited = known.get(id) ?? known.get(body.provider);
    const kind: ProviderKind | undefined = (PROVIDER_KINDS as readonly string[]).includes(body.provider) ? (body.provider as ProviderKind) : inherited?.kind;
    if (!kind) {
      this.options.logger.warn({ resource: resource.key, provider: body.provider }, "integration resource names an unknown provider: ignored");
      return null;
    }
    const defaultModels: ProviderSettings["defaultModels"] = { ...inherited?.defaultModels };
    for (const [op, model] of Object.entries(body.defaultModels)) {
      const operation = OPERATION_KEYS[op];
      if (operation) defaultModels[operation] = model;
    }
    // A base URL the deployment set (environment) outranks the platform's catalog entry; an org's own integration outranks both.
    const envBaseUrl = inherited?.source === "env" ? inherited.baseUrl : undefined;
    const baseUrl = ownedByOrg ? (sdkBaseUrl(kind, body) ?? inherited?.baseUrl) : (envBaseUrl ?? sdkBaseUrl(kind, body) ?? inherited?.baseUrl);
    return {
      id,
      kind,
      ...(baseUrl ? { baseUrl } : {}),
      ...(inherited?.envApiKey && body.auth.type !== "none" ? { envApiKey: inherited.envApiKey } : {}),
      credentialProvider: body.auth.credentialProvider ?? inherited?.credentialProvider ?? id,
      defaultModels,
      models: body.models.length ? body.models.map((m) => m.id) : (inherited?.models ?? []),
      parameters: { ...inherited?.parameters, ...body.parameters },
      ...(inherited?.timeoutMs ? { timeoutMs: inherited.timeoutMs } : {}),
      source: "catalog",
    };
  }
}
