import type { ServiceId } from "@symbia/sys";
import { loadStore, saveStore, urlOf, type Profile } from "./config.js";
import { CliError, EXIT, fromEnvelope } from "./errors.js";

/** Options every command shares. */
export interface GlobalOptions {
  output: "table" | "json" | "yaml";
  org?: string;
  profile: string;
}

/** A service call as the logged-in profile, refreshing an expired access token once. */
export class Api {
  constructor(
    readonly options: GlobalOptions,
    private profile: Profile | undefined,
  ) {}

  static async open(options: GlobalOptions): Promise<Api> {
    const store = await loadStore();
    return new Api(options, store.profiles[options.profile]);
  }

  /** The saved profile, or a usage error telling how to log in. */
  requireProfile(): Profile {
    if (!this.profile || (!this.profile.accessToken && !this.profile.apiKey)) throw new CliError("not logged in", EXIT.unauthenticated, "run `symbia login`");
    return this.profile;
  }

  /** The org to act in: `--org`, else the profile's selected org. */
  orgId(): string | undefined {
    return this.options.org ?? this.profile?.orgId;
  }

  async request<T = any>(service: ServiceId, method: string, path: string, body?: unknown, init: { auth?: boolean; raw?: boolean } = {}): Promise<T> {
    const auth = init.auth ?? true;
    const send = async () => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (body !== undefined) headers["content-type"] = "application/json";
      if (auth) {
        const p = this.requireProfile();
        headers.authorization = `Bearer ${p.apiKey ?? p.accessToken}`;
      }
      const org = this.orgId();
      if (org) headers["x-org-id"] = org;
      try {
        return await fetch(`${urlOf(service)}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(30_000) });
      } catch (error) {
        throw new CliError(`${service} is unreachable at ${urlOf(service)} (${(error as Error).message})`, EXIT.unavailable, "is the stack running? `npm start`, then `symbia status`");
      }
    };
    let res = await send();
    if (res.status === 401 && auth && this.profile?.refreshToken && !this.profile.apiKey) {
      if (await this.refresh()) res = await send();
    }
    const text = await res.text();
    const json = text ? safeJson(text) : null;
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw fromEnvelope(res.status, error?.code, error?.message ?? (text.slice(0, 200) || res.statusText));
    }
    return (init.raw ? text : json) as T;
  }

  /**
   * A raw authenticated request (streams: artifact uploads and downloads, Server-Sent Events),
   * with the same refresh-once and error mapping as {@link Api.request}.
   */
  async raw(service: ServiceId, method: string, path: string, init: { body?: NonNullable<RequestInit["body"]>; headers?: Record<string, string>; signal?: AbortSignal; duplex?: "half" } = {}): Promise<Response> {
    const send = async () => {
      const p = this.requireProfile();
      const headers: Record<string, string> = { authorization: `Bearer ${p.apiKey ?? p.accessToken}`, ...init.headers };
      const org = this.orgId();
      if (org) headers["x-org-id"] = org;
      try {
        return await fetch(`${urlOf(service)}${path}`, { method, headers, ...(init.body !== undefined ? { body: init.body, duplex: "half" } : {}), ...(init.signal ? { signal: init.signal } : {}) } as RequestInit);
      } catch (error) {
        throw new CliError(`${service} is unreachable at ${urlOf(service)} (${(error as Error).message})`, EXIT.unavailable, "is the stack running? `npm start`, then `symbia status`");
      }
    };
    let res = await send();
    if (res.status === 401 && this.profile?.refreshToken && !this.profile.apiKey && init.body === undefined && (await this.refresh())) res = await send();
    if (!res.ok) {
      const json = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      throw fromEnvelope(res.status, json?.error?.code, json?.error?.message ?? res.statusText);
    }
    return res;
  }

  private async refresh(): Promise<boolean> {
    const p = this.profile!;
    const res = await fetch(`${p.identityUrl}/api/auth/refresh`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refreshToken: p.refreshToken }) }).catch(() => null);
    if (!res?.ok) return false;
    const tokens = (await res.json()) as { accessToken: string; refreshToken?: string };
    this.profile = { ...p, accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
    const store = await loadStore();
    store.profiles[this.options.profile] = this.profile;
    await saveStore(store);
    return true;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
