import { createPublicKey, verify as edVerify, type KeyObject } from "node:crypto";
import { sha256Digest, signatureMessage, type AddSignatureBody, type RegisterSigningKeyBody, type Signature, type SigningKey, type VerifyBody, type VerifyResponse } from "@symbia/catalog-client";
import { validationError } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { CATALOG_CAPS, type Caller } from "../access/access.js";
import type { CatalogDeps } from "../deps.js";
import { resolveForAction, resolveReadable } from "../resources/resources.service.js";
import { recordEvent, lockResource } from "../resources/resources.store.js";
import { resolveVersion } from "../versions/versions.service.js";
import * as store from "./signatures.store.js";

const toKey = (row: store.SigningKeyRow): SigningKey => ({
  id: row.id,
  principalId: row.principalId,
  name: row.name,
  algorithm: "ed25519",
  publicKey: row.publicKey,
  fingerprint: row.fingerprint,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

const invalid = (path: string, message: string) => validationError([{ path, message, code: "custom" }]);

/**
 * An Ed25519 public key from SPKI PEM or from base64/base64url of its 32 raw bytes (RFC 8032).
 * @throws AppError validation_failed naming `path` (not a key, not Ed25519, a private key).
 */
export function parsePublicKey(input: string, path = "body.publicKey"): KeyObject {
  const text = input.trim();
  // createPublicKey would derive the public half from a private key: refuse it instead, so
  // nobody learns by accident that they uploaded their secret.
  if (/PRIVATE KEY/.test(text)) throw invalid(path, "that is a private key; register the public key only");
  let key: KeyObject;
  try {
    if (text.startsWith("-----BEGIN")) key = createPublicKey(text);
    else {
      const raw = Buffer.from(text, text.includes("+") || text.includes("/") || text.endsWith("=") ? "base64" : "base64url");
      if (raw.length !== 32) throw new Error("raw Ed25519 public keys are 32 bytes");
      key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
    }
  } catch (error) {
    throw invalid(path, `not a public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw invalid(path, `an Ed25519 key is required, not ${key.asymmetricKeyType}`);
  return key;
}

/** `sha256:` of a key's DER SPKI encoding. */
export function fingerprintOf(key: KeyObject): string {
  return sha256Digest(key.export({ type: "spki", format: "der" }));
}

/** True when `signature` (base64/base64url) is a valid Ed25519 signature of the digest text. */
export function signatureValid(publicKeyPem: string, digest: string, signature: string): boolean {
  const bytes = Buffer.from(signature, /[+/=]/.test(signature) ? "base64" : "base64url");
  if (bytes.length !== 64) return false;
  try {
    return edVerify(null, signatureMessage(digest), createPublicKey(publicKeyPem), bytes);
  } catch {
    return false;
  }
}

/** Registers one of the caller's public keys (a key already registered by anyone → 409). */
export async function registerKey(deps: CatalogDeps, caller: Caller, body: RegisterSigningKeyBody): Promise<SigningKey> {
  const key = parsePublicKey(body.publicKey);
  const fingerprint = fingerprintOf(key);
  if (await store.findKeyByFingerprint(deps.database.db, fingerprint)) throw new AppError("conflict", "this public key is already registered", { fingerprint });
  const row = await store.insertKey(deps.database.db, {
    principalId: caller.principal.id,
    name: body.name,
    publicKey: key.export({ type: "spki", format: "pem" }).toString(),
    fingerprint,
  });
  return toKey(row);
}

/** The caller's keys. */
export async function listKeys(deps: CatalogDeps, caller: Caller): Promise<SigningKey[]> {
  return (await store.listKeysOf(deps.database.db, caller.principal.id)).map(toKey);
}

/** Revokes one of the caller's keys: signatures made with it stop verifying. */
export async function revokeKey(deps: CatalogDeps, caller: Caller, keyId: string): Promise<SigningKey> {
  const row = await store.revokeKey(deps.database.db, caller.principal.id, keyId, new Date());
  if (!row) throw new AppError("not_found", `signing key ${keyId} not found`);
  return toKey(row);
}

function toSignature(row: store.SignatureRow, key: store.SigningKeyRow, versionDigest: string): Signature {
  return {
    id: row.id,
    resourceId: row.resourceId,
    version: row.version,
    digest: row.digest,
    keyId: row.keyId,
    principalId: row.principalId,
    signature: row.signature,
    createdAt: row.createdAt.toISOString(),
    valid: key.revokedAt === null && row.digest === versionDigest && signatureValid(key.publicKey, versionDigest, row.signature),
  };
}

/**
 * Stores the caller's signature of a version after checking it: the key must be one of the
 * caller's registered, unrevoked keys and the signature must verify against the version's digest
 * (else 400 naming `body.keyId` or `body.signature`). Needs `cap:catalog.sign` in the resource's org.
 */
export async function addSignature(deps: CatalogDeps, caller: Caller, ref: string, selector: string, body: AddSignatureBody): Promise<Signature> {
  const { row } = await resolveForAction(deps, caller, ref, CATALOG_CAPS.sign);
  const version = await resolveVersion(deps.database.db, row, selector);
  const key = await store.findKey(deps.database.db, body.keyId);
  if (!key || key.principalId !== caller.principal.id) throw invalid("body.keyId", "not one of your registered signing keys");
  if (key.revokedAt) throw invalid("body.keyId", "this signing key is revoked");
  if (!signatureValid(key.publicKey, version.digest, body.signature)) throw invalid("body.signature", `does not verify against ${version.digest} with this key`);
  const signature = await deps.database.withTransaction(async (tx) => {
    await lockResource(tx, row.orgId, row.id);
    const stored = await store.insertSignature(tx, row.orgId, {
      resourceId: row.id,
      version: version.version,
      digest: version.digest,
      keyId: key.id,
      principalId: caller.principal.id,
      signature: Buffer.from(body.signature, /[+/=]/.test(body.signature) ? "base64" : "base64url").toString("base64"),
    });
    await recordEvent(tx, row.orgId, row.id, { type: "signed", version: version.version, principalId: caller.principal.id, data: { keyId: key.id, digest: version.digest } });
    return stored;
  });
  return toSignature(signature, key, version.digest);
}

/** A version's signatures, each verified now (revoked keys and altered rows show `valid: false`). */
export async function listSignatures(deps: CatalogDeps, caller: Caller, ref: string, selector: string): Promise<Signature[]> {
  const { row } = await resolveReadable(deps, caller, ref);
  const version = await resolveVersion(deps.database.db, row, selector);
  return (await store.listSignatures(deps.database.db, row.orgId, row.id, version.version)).map((s) => toSignature(s.signature, s.key, version.digest));
}

/**
 * Verifies a signature against a version's digest, or re-verifies every stored one. A signature
 * passes only with a registered, unrevoked key and a valid Ed25519 signature over the digest
 * text; the answer says why each one failed.
 */
export async function verify(deps: CatalogDeps, caller: Caller, ref: string, selector: string, body: VerifyBody): Promise<VerifyResponse> {
  const { row } = await resolveReadable(deps, caller, ref);
  const version = await resolveVersion(deps.database.db, row, selector);
  const digest = version.digest;
  if (body.signature === undefined) {
    const results = (await store.listSignatures(deps.database.db, row.orgId, row.id, version.version)).map(({ signature, key }) => {
      const reason = key.revokedAt ? "key revoked" : signature.digest !== digest || !signatureValid(key.publicKey, digest, signature.signature) ? "bad signature" : null;
      return { signatureId: signature.id, keyId: key.id, principalId: key.principalId, valid: reason === null, reason };
    });
    return { digest, valid: results.some((r) => r.valid), results };
  }
  let key: store.SigningKeyRow | null;
  if (body.keyId !== undefined) key = await store.findKey(deps.database.db, body.keyId);
  else key = await store.findKeyByFingerprint(deps.database.db, fingerprintOf(parsePublicKey(body.publicKey!)));
  const reason = !key ? "key not registered" : key.revokedAt ? "key revoked" : !signatureValid(key.publicKey, digest, body.signature) ? "bad signature" : null;
  return { digest, valid: reason === null, results: [{ signatureId: null, keyId: key?.id ?? null, principalId: key?.principalId ?? null, valid: reason === null, reason }] };
}
