import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { desc, eq, gt, isNull, or } from "drizzle-orm";
import type { Database } from "@symbia/db";
import type { Logger } from "@symbia/http";
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import jwt from "jsonwebtoken";
import type { IdentityConfig } from "../config.js";
import { deriveKey, seal, unseal } from "../crypto/crypto.js";
import * as schema from "../db/schema.js";

const { signingKeys } = schema;

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  createdAt: Date;
}

/**
 * Identity's ES256 signing keys (RFC 7518 §3.4, P-256). The active key signs; retired keys stay in
 * the JWKS until every token they signed has expired (`verify_until`). Private keys are stored
 * sealed with AES-256-GCM under a key derived from SESSION_SECRET.
 */
export class KeyRing {
  private active: LoadedKey | undefined;
  private jwksDoc: JSONWebKeySet = { keys: [] };
  private localSet: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  private readonly sealKey: Map<string, Buffer>;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: Database<typeof schema>,
    private readonly config: IdentityConfig,
    private readonly logger: Logger,
  ) {
    this.sealKey = new Map([["sk1", deriveKey(config.sessionSecret, "symbia/signing-keys/v1")]]);
  }

  /** Loads the keys, rotating first when there is no active key or it is older than the rotation period. */
  async load(): Promise<void> {
    await this.reload();
    const maxAgeMs = this.config.keyRotationDays * 86_400_000;
    if (!this.active || Date.now() - this.active.createdAt.getTime() > maxAgeMs) await this.rotate("scheduled");
    // Other identity instances may rotate: pick their keys up.
    this.reloadTimer = setInterval(() => void this.reload().catch((e: Error) => this.logger.warn({ err: e.message }, "signing key reload failed")), 60_000);
    this.reloadTimer.unref();
  }

  stop(): void {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
  }

  /** Re-reads keys from the database. */
  async reload(): Promise<void> {
    const { db } = this.database;
    const rows = await db
      .select()
      .from(signingKeys)
      .where(or(eq(signingKeys.status, "active"), isNull(signingKeys.verifyUntil), gt(signingKeys.verifyUntil, new Date())))
      .orderBy(desc(signingKeys.createdAt));
    const activeRow = rows.find((r) => r.status === "active");
    this.active = activeRow
      ? { kid: activeRow.kid, createdAt: activeRow.createdAt, privateKey: createPrivateKey(unseal(this.sealKey, activeRow.privateKeySealed, `signing-key:${activeRow.kid}`)) }
      : undefined;
    this.jwksDoc = { keys: rows.map((r) => ({ ...r.publicJwk, kid: r.kid, alg: "ES256", use: "sig" })) as JSONWebKeySet["keys"] };
    this.localSet = createLocalJWKSet(this.jwksDoc);
  }

  /**
   * Makes a new active key and retires the current one; the retired key keeps verifying for one
   * access-token lifetime (plus a minute of clock skew).
   */
  async rotate(reason: string): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const kid = randomBytes(12).toString("base64url");
    const publicJwk = publicKey.export({ format: "jwk" }) as Record<string, unknown>;
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const now = new Date();
    const verifyUntil = new Date(now.getTime() + (this.config.accessTokenTtlSeconds + 60) * 1000);
    await this.database.withTransaction(async (tx) => {
      await tx.update(signingKeys).set({ status: "retired", retiredAt: now, verifyUntil }).where(eq(signingKeys.status, "active"));
      await tx.insert(signingKeys).values({ kid, alg: "ES256", publicJwk, privateKeySealed: seal(this.sealKey.get("sk1")!, "sk1", pem, `signing-key:${kid}`), status: "active" });
    });
    this.logger.info({ kid, reason }, "signing key rotated");
    await this.reload();
    return kid;
  }

  /** The public keys (RFC 7517 JWK Set) that may have signed a still-valid token. */
  jwks(): JSONWebKeySet {
    return this.jwksDoc;
  }

  /** A jose key resolver over {@link KeyRing.jwks}, for local verification. */
  verificationKeys(): JWTVerifyGetKey {
    return (header, token) => this.localSet(header, token);
  }

  /**
   * Signs `claims` as a JWT with the active key (`kid` in the header).
   * @throws Error when no key is loaded.
   */
  sign(claims: Record<string, unknown>, ttlSeconds: number): string {
    if (!this.active) throw new Error("no active signing key");
    return jwt.sign(claims, this.active.privateKey, { algorithm: "ES256", keyid: this.active.kid, expiresIn: ttlSeconds, issuer: this.config.issuer });
  }

  /** Id of the key that signs now. */
  activeKid(): string | undefined {
    return this.active?.kid;
  }
}

/** Shorthand used by the keys routes: is `kid` still in the JWKS? */
export function hasKid(ring: KeyRing, kid: string): boolean {
  return ring.jwks().keys.some((k) => k.kid === kid);
}

