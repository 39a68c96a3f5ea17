import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a JSON value: sorted keys, no whitespace,
 * ECMAScript number formatting.
 * @throws TypeError when the value is not JSON (undefined, a function, a non-finite number).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

/** `sha256:<hex>` of bytes or of a string's UTF-8 encoding. */
export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/**
 * The digest of a version's content: SHA-256 over its RFC 8785 canonical JSON, written
 * `sha256:<64 hex>`. The same content gives the same digest everywhere.
 */
export function contentDigest(content: unknown): string {
  return sha256Digest(canonicalJson(content));
}

/**
 * The bytes an Ed25519 signature of a version covers: the UTF-8 text of its digest
 * (`sha256:<hex>`). Sign with `crypto.sign(null, signatureMessage(digest), privateKey)`.
 */
export function signatureMessage(digest: string): Buffer {
  return Buffer.from(digest, "utf8");
}
