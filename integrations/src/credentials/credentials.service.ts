import type { Logger } from "@symbia/http";
import type { IdentityClient, LoginSession } from "@symbia/id";
import { isAppError } from "@symbia/sys";
import type { ProviderSettings } from "../model-config/model-config.js";

/** The credential and endpoint of one call. The secret is held in memory only and never logged. */
export interface CallCredential {
  apiKey: string | null;
  /** A base URL from the credential's metadata, overriding the provider's. */
  baseUrl?: string;
  /** Where the key came from: the principal's vault entry, the org's, the service's environment, the service's own login (symbia-labs), or nowhere. */
  source: "principal" | "org" | "env" | "service" | "none";
}

/** Who a call is for: the vault is searched for this principal's key, then the org's. */
export interface CredentialSubject {
  principalId: string;
  orgId: string;
}

interface CacheEntry {
  until: number;
  value: { secret: string; baseUrl?: string; source: "principal" | "org" } | null;
}

/** Options of {@link CredentialResolver}. */
export interface CredentialResolverOptions {
  /** Identity's API as the integrations service principal (holds cap:identity.credentials.read); null without a service secret. */
  identity: IdentityClient | null;
  /** The service's own login, whose token authenticates calls to the models service (symbia-labs). */
  session: LoginSession | null;
  /** How long a vault answer (a key, or "none") is reused, ms; 0 asks identity on every call. */
  cacheMs: number;
  /** Honour a credential's `metadata.baseUrl`. */
  allowBaseUrl: boolean;
  logger: Logger;
}

/**
 * Finds the key for a call: for `symbia-labs`, the integrations service's own access token (renewed
 * by its login session); otherwise the acting principal's credential for the provider in identity's
 * vault — their own, else the org-wide one (identity decides the order) — else the service's env key.
 * Vault answers are reused for `cacheMs` in memory, never written anywhere; a vault that cannot be
 * reached falls back to the env key (and says so in a warning without the key).
 */
export class CredentialResolver {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly options: CredentialResolverOptions) {}

  /** The credential for `provider` used on behalf of `subject`. */
  async resolve(provider: ProviderSettings, subject: CredentialSubject): Promise<CallCredential> {
    if (provider.kind === "symbia-labs") {
      if (!this.options.session) return { apiKey: null, source: "none" };
      return { apiKey: await this.options.session.getToken(), source: "service" };
    }
    const fromVault = await this.fromVault(provider, subject);
    if (fromVault) return { apiKey: fromVault.secret, ...(fromVault.baseUrl ? { baseUrl: fromVault.baseUrl } : {}), source: fromVault.source };
    if (provider.envApiKey) return { apiKey: provider.envApiKey, source: "env" };
    return { apiKey: null, source: "none" };
  }

  /** Forgets cached vault answers (all, or one subject's). */
  invalidate(subject?: CredentialSubject): void {
    if (!subject) return this.cache.clear();
    for (const key of this.cache.keys()) if (key.startsWith(`${subject.orgId}\u0000${subject.principalId}\u0000`)) this.cache.delete(key);
  }

  private async fromVault(provider: ProviderSettings, subject: CredentialSubject): Promise<CacheEntry["value"]> {
    const identity = this.options.identity;
    if (!identity) return null;
    const key = `${subject.orgId}\u0000${subject.principalId}\u0000${provider.credentialProvider}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.value;
    let value: CacheEntry["value"];
    try {
      const found = await identity.resolveCredential(subject.principalId, subject.orgId, provider.credentialProvider);
      const baseUrl = this.options.allowBaseUrl ? validBaseUrl(found.metadata.baseUrl) : undefined;
      value = { secret: found.secret, ...(baseUrl ? { baseUrl } : {}), source: found.source };
    } catch (error) {
      if (isAppError(error) && error.code === "not_found") value = null;
      else {
        // Identity down or refusing us: the env key (if any) keeps the gateway working; not cached.
        this.options.logger.warn({ provider: provider.id, code: isAppError(error) ? error.code : "error", reason: (error as Error).message }, "vault credential lookup failed; using the service's key");
        return null;
      }
    }
    if (this.options.cacheMs > 0) {
      this.cache.set(key, { until: Date.now() + this.options.cacheMs, value });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return value;
  }
}

/** An http(s) URL without trailing slashes, or undefined. */
function validBaseUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? value.replace(/\/+$/, "") : undefined;
  } catch {
    return undefined;
  }
}
