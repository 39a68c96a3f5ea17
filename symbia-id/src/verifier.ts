import { createHash } from "node:crypto";
import { AppError, type Principal } from "@symbia/sys";
import type { AuthInput } from "@symbia/http";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { AccessTokenClaims, principalFromClaims } from "./claims.js";
import { IdentityClient, type TokenSource } from "./client.js";
import type { IntrospectionResponse } from "./schemas.js";

/** Prefix of Symbia API keys. */
export const API_KEY_PREFIX = "sk_";

/**
 * Verifies an access token's signature (ES256 only; `alg: none` and HMAC algorithms are refused),
 * issuer, expiry and claim shape, per RFC 7519 / RFC 7515.
 *
 * @throws AppError `unauthenticated` with the reason (expired, bad signature, unknown key, malformed).
 */
export async function verifyAccessToken(token: string, keys: JWTVerifyGetKey, issuer?: string): Promise<AccessTokenClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keys, { algorithms: ["ES256"], ...(issuer ? { issuer } : {}), clockTolerance: 5 }));
  } catch (error) {
    const reason =
      error instanceof joseErrors.JWTExpired ? "token expired"
      : error instanceof joseErrors.JWKSNoMatchingKey ? "unknown signing key"
      : error instanceof joseErrors.JWSSignatureVerificationFailed ? "bad signature"
      : error instanceof joseErrors.JOSEAlgNotAllowed ? "algorithm not allowed"
      : error instanceof joseErrors.JWTClaimValidationFailed ? `claim check failed: ${error.claim}`
      : "invalid token";
    throw new AppError("unauthenticated", reason);
  }
  const parsed = AccessTokenClaims.safeParse(payload);
  if (!parsed.success) throw new AppError("unauthenticated", "token claims malformed");
  return parsed.data;
}

/** The bearer credential of a request: `Authorization: Bearer …` or `X-API-Key`. */
export function bearerOf(input: AuthInput): string | null {
  const header = input.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError("unauthenticated", "malformed Authorization header");
    return match[1]!;
  }
  return input.headers["x-api-key"]?.trim() || null;
}

/** The {@link Principal} of an active API-key introspection answer. */
export function principalFromIntrospection(answer: IntrospectionResponse): Principal {
  if (!answer.active || !answer.sub || !answer.principal_type || !answer.entity_id) throw new AppError("unauthenticated", "inactive credential");
  return {
    id: answer.sub,
    type: answer.principal_type,
    entityId: answer.entity_id,
    ...(answer.name ? { name: answer.name } : {}),
    orgs: answer.orgs ?? [],
    entitlements: answer.entitlements ?? [],
    ...(answer.super_admin ? { superAdmin: true } : {}),
    credential: answer.token_type === "api_key" ? { kind: "api_key", keyId: answer.key_id ?? "", scopes: answer.scopes ?? [] } : { kind: "token", ...(answer.jti ? { tokenId: answer.jti } : {}) },
  };
}

/** Local record of revocations, fed by identity's revocation feed. */
export class RevocationSet {
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  /** principal id → revocation time (s): tokens issued at or before it are refused. */
  private readonly principals = new Map<string, { at: number; until: number }>();

  /** Records one revocation; `expiresAt` (ms) is when it may be forgotten. */
  add(kind: "token" | "session" | "principal", value: string, revokedAtMs: number, expiresAtMs: number): void {
    if (kind === "token") this.tokens.set(value, expiresAtMs);
    else if (kind === "session") this.sessions.set(value, expiresAtMs);
    else {
      const prev = this.principals.get(value);
      if (!prev || prev.at < revokedAtMs / 1000) this.principals.set(value, { at: Math.floor(revokedAtMs / 1000), until: expiresAtMs });
    }
  }

  /** True when the claims belong to a revoked token, session or principal. */
  isRevoked(claims: Pick<AccessTokenClaims, "jti" | "sid" | "sub" | "iat">): boolean {
    if (this.tokens.has(claims.jti)) return true;
    if (claims.sid && this.sessions.has(claims.sid)) return true;
    const p = this.principals.get(claims.sub);
    return p !== undefined && claims.iat <= p.at;
  }

  /** Drops entries whose tokens have all expired. */
  prune(nowMs = Date.now()): void {
    for (const map of [this.tokens, this.sessions]) for (const [k, until] of map) if (until < nowMs) map.delete(k);
    for (const [k, v] of this.principals) if (v.until < nowMs) this.principals.delete(k);
  }
}

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  /** Identity's base URL. */
  identityUrl: string;
  /** Expected `iss` (default: `identityUrl`). */
  issuer?: string;
  /** How long an API-key introspection answer is reused, ms (default 5 000). */
  cacheMs?: number;
  /** The service's own credentials, for introspection and the revocation feed. */
  auth?: TokenSource;
  /** How often the revocation feed is polled, ms (default 2 000). */
  revocationPollMs?: number;
  /** Reports feed failures (identity down): tokens keep verifying locally meanwhile. */
  onError?: (error: Error) => void;
}

/** Verifies credentials for `@symbia/http`'s auth slot. */
export interface Verifier {
  /** `@symbia/http` Authenticator: Principal, null (no credentials), or throws 401. */
  authenticate(input: AuthInput): Promise<Principal | null>;
  /** Verifies one bearer credential (JWT or `sk_` key). @throws AppError unauthenticated. */
  verify(token: string): Promise<Principal>;
  /** Polls the revocation feed once now (tests and start-up). */
  syncRevocations(): Promise<void>;
  close(): void;
}

/**
 * A verifier for services: JWTs verified locally against identity's JWKS (cached; refetched when
 * an unknown `kid` appears), revocations honoured from identity's feed (polled every
 * `revocationPollMs`, so a revoked token is refused within seconds), API keys (`sk_…`) checked
 * through RFC 7662 introspection with a short cache.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const jwks = createRemoteJWKSet(new URL("/.well-known/jwks.json", options.identityUrl), { cooldownDuration: 5_000, cacheMaxAge: 10 * 60_000 });
  const client = new IdentityClient(options.identityUrl, options.auth);
  const revoked = new RevocationSet();
  const cacheMs = options.cacheMs ?? 5_000;
  const keyCache = new Map<string, { until: number; principal: Principal | null }>();
  let cursor: string | undefined;
  let syncing: Promise<void> | undefined;

  const syncRevocations = () => {
    syncing ??= (async () => {
      try {
        for (;;) {
          const feed = await client.revocations(cursor);
          for (const r of feed.items) revoked.add(r.kind, r.value, Date.parse(r.revokedAt), Date.parse(r.expiresAt));
          cursor = feed.nextCursor;
          if (feed.items.length < 500) break;
        }
        revoked.prune();
      } finally {
        syncing = undefined;
      }
    })();
    return syncing;
  };
  const timer = options.auth
    ? setInterval(() => syncRevocations().catch((e: Error) => options.onError?.(e)), options.revocationPollMs ?? 2_000)
    : undefined;
  timer?.unref();
  if (options.auth) void syncRevocations().catch((e: Error) => options.onError?.(e));

  async function verify(token: string): Promise<Principal> {
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = createHash("sha256").update(token).digest("hex");
      const cached = keyCache.get(key);
      if (cached && cached.until > Date.now()) {
        if (!cached.principal) throw new AppError("unauthenticated", "invalid API key");
        return cached.principal;
      }
      if (!options.auth) throw new AppError("unauthenticated", "API keys cannot be checked by this service");
      const answer = await client.introspect(token);
      const principal = answer.active ? principalFromIntrospection(answer) : null;
      keyCache.set(key, { until: Date.now() + cacheMs, principal });
      if (keyCache.size > 10_000) keyCache.delete(keyCache.keys().next().value!);
      if (!principal) throw new AppError("unauthenticated", "invalid API key");
      return principal;
    }
    const claims = await verifyAccessToken(token, jwks, options.issuer ?? options.identityUrl);
    if (revoked.isRevoked(claims)) throw new AppError("unauthenticated", "token revoked");
    return principalFromClaims(claims);
  }

  return {
    async authenticate(input) {
      const token = bearerOf(input);
      return token ? verify(token) : null;
    },
    verify,
    syncRevocations,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
