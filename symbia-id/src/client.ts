import { AppError } from "@symbia/sys";
import { outgoingTraceHeaders } from "@symbia/http";
import type { z } from "zod";
import { IntrospectionResponse, ResolvedCredential, RevocationFeed, TokenResponse, Entity } from "./schemas.js";

/** Something that yields a current bearer token (see `loginAsService`). */
export interface TokenSource {
  /** A valid access token, refreshed as needed. */
  getToken(): Promise<string>;
}

/**
 * Calls identity's REST API and validates each answer with its wire schema. Errors come back as
 * {@link AppError}s with identity's code, or `unavailable` (503) when identity cannot be reached.
 */
export class IdentityClient {
  constructor(
    readonly baseUrl: string,
    private readonly auth?: TokenSource,
    private readonly timeoutMs = 5_000,
  ) {}

  /** POST /api/auth/service-token: a service principal's client-credentials login. */
  serviceToken(serviceId: string, secret: string): Promise<TokenResponse> {
    return this.request("POST", "/api/auth/service-token", TokenResponse, { serviceId, secret }, false);
  }

  /** POST /api/auth/agent-token: an agent's login with its secret. */
  agentToken(agentId: string, secret: string): Promise<TokenResponse> {
    return this.request("POST", "/api/auth/agent-token", TokenResponse, { agentId, secret }, false);
  }

  /** POST /api/auth/introspect (RFC 7662) for an access token or API key. */
  introspect(token: string): Promise<IntrospectionResponse> {
    return this.request("POST", "/api/auth/introspect", IntrospectionResponse, { token });
  }

  /** GET /api/auth/revocations: revocations after `cursor` (oldest first). */
  revocations(cursor?: string): Promise<RevocationFeed> {
    return this.request("GET", `/api/auth/revocations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`, RevocationFeed);
  }

  /** POST /api/credentials/resolve: a principal's decrypted provider credential (service principals with cap:identity.credentials.read). */
  resolveCredential(principalId: string, orgId: string, provider: string): Promise<ResolvedCredential> {
    return this.request("POST", "/api/credentials/resolve", ResolvedCredential, { principalId, orgId, provider });
  }

  /** GET /api/entities/:ref: resolve `ent_…`, `@slug` or `type:slug`. */
  entity(ref: string, orgId?: string): Promise<Entity> {
    return this.request("GET", `/api/entities/${encodeURIComponent(ref)}`, Entity, undefined, true, orgId);
  }

  /** PUT /api/entities/:id/binding: bind an entity to the network node holding it now. */
  bindEntity(entityId: string, nodeId: string): Promise<Entity> {
    return this.request("PUT", `/api/entities/${encodeURIComponent(entityId)}/binding`, Entity, { nodeId });
  }

  /** Any call with this client's authentication, validated by `schema`. */
  async request<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown, authenticated = true, orgId?: string): Promise<z.output<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...outgoingTraceHeaders() };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (authenticated && this.auth) headers.authorization = `Bearer ${await this.auth.getToken()}`;
    if (orgId) headers["x-org-id"] = orgId;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new AppError("unavailable", `identity unreachable: ${(error as Error).message}`, undefined, { cause: error });
    }
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      const code = (err?.code ?? (res.status >= 500 ? "bad_gateway" : "bad_request")) as ConstructorParameters<typeof AppError>[0];
      throw new AppError(code, err?.message ?? `identity answered ${res.status}`, err?.details);
    }
    return schema.parse(json);
  }
}
