import { parseProviderRef, type GatewaySettings, type ProviderConfig } from "../config.js";
import type { Operation, ProviderRef } from "../execute/execute.schemas.js";

/** A provider as the gateway uses it for one org: env configuration, possibly refined by catalog. */
export interface ProviderSettings extends ProviderConfig {
  /** Where this configuration came from. */
  source: "env" | "catalog";
}

/** Everything the gateway needs to know about providers for one org. */
export interface OrgModelConfig {
  providers: ReadonlyMap<string, ProviderSettings>;
  /** Provider used when a request names none. */
  defaultProvider: string;
  /** Providers tried in order when the chosen one fails (when the request gives no list). */
  fallback: ProviderRef[];
}

/**
 * Where provider configuration (providers, endpoints, default models, parameters, fallback order)
 * comes from, per org. {@link EnvModelConfigSource} reads the service's configuration; a catalog
 * source refines it with the org's `integration` resources.
 */
export interface ModelConfigSource {
  /** The configuration that applies to `orgId`. */
  forOrg(orgId: string): Promise<OrgModelConfig>;
  close?(): void;
}

/**
 * Provider configuration from the environment (config.ts): the same providers for every org, with
 * INTEGRATIONS_ORG_SETTINGS choosing an org's default provider and fallback order.
 */
export class EnvModelConfigSource implements ModelConfigSource {
  private readonly providers: ReadonlyMap<string, ProviderSettings>;

  constructor(
    providers: Record<string, ProviderConfig>,
    private readonly settings: Pick<GatewaySettings, "defaultProvider" | "fallback" | "orgSettings">,
  ) {
    this.providers = new Map(Object.values(providers).map((p) => [p.id, { ...p, source: "env" as const }]));
  }

  async forOrg(orgId: string): Promise<OrgModelConfig> {
    const org = this.settings.orgSettings[orgId];
    return {
      providers: this.providers,
      defaultProvider: org?.defaultProvider ?? this.settings.defaultProvider,
      fallback: (org?.fallback ?? this.settings.fallback).map(parseProviderRef),
    };
  }
}

/** The model to use at a provider for an operation: the one asked for, else the provider's default. */
export function modelFor(provider: ProviderSettings, operation: Operation, requested: string | undefined): string | undefined {
  return requested ?? provider.defaultModels[operation] ?? (operation === "generate" ? provider.defaultModels.chat : undefined);
}
