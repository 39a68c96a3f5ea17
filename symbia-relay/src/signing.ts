import { createHmac, timingSafeEqual } from "node:crypto";
import canonicalize from "canonicalize";
import type { SignedEnvelope, UnsignedEnvelope } from "./envelope.js";

/** Smallest HMAC key accepted, in bytes; derived node keys are 32. */
const MIN_KEY_BYTES = 32;

/**
 * The bytes a signature covers: the RFC 8785 (JSON Canonicalization Scheme) serialization of the
 * envelope without its `signature` member, as UTF-8, computed with the `canonicalize` package.
 * Key order, whitespace and number spelling in the sender's JSON therefore do not matter.
 *
 * @throws Error when the envelope holds a value JSON cannot carry (NaN, Infinity, a lone surrogate).
 */
export function canonicalEnvelope(envelope: UnsignedEnvelope | SignedEnvelope | Record<string, unknown>): Buffer {
  const { signature: _signature, ...unsigned } = envelope as Record<string, unknown>;
  const text = canonicalize(unsigned);
  if (text === undefined) throw new Error("canonicalEnvelope: the envelope has no JSON form");
  return Buffer.from(text, "utf8");
}

function assertKey(key: Uint8Array): void {
  if (key.length < MIN_KEY_BYTES) throw new Error(`signing key must be at least ${MIN_KEY_BYTES} bytes`);
}

/**
 * HMAC-SHA256 (RFC 2104, `node:crypto` `createHmac`) of {@link canonicalEnvelope}, as unpadded
 * base64url (43 characters).
 *
 * @param key the node key (32 bytes from `deriveNodeKey`).
 * @throws Error when the key is shorter than 32 bytes or the envelope cannot be canonicalized.
 */
export function computeSignature(envelope: UnsignedEnvelope | SignedEnvelope | Record<string, unknown>, key: Uint8Array): string {
  assertKey(key);
  return createHmac("sha256", key).update(canonicalEnvelope(envelope)).digest("base64url");
}

/**
 * Signs an envelope: returns a copy with `signature` set (an existing signature is replaced, which
 * is how the network re-signs what it delivers with the receiver's key).
 *
 * @param key the signer's node key (32 bytes).
 * @throws Error as {@link computeSignature}.
 */
export function signEnvelope(envelope: UnsignedEnvelope | SignedEnvelope, key: Uint8Array): SignedEnvelope {
  const { signature: _old, ...unsigned } = envelope as SignedEnvelope;
  return { ...unsigned, signature: computeSignature(unsigned, key) };
}

/**
 * True when `envelope.signature` is the HMAC-SHA256 of the rest of the envelope under `key`.
 * The comparison is constant-time (`timingSafeEqual`) over the 32 decoded bytes; a signature of
 * any other length is simply false.
 *
 * @throws Error when the key is shorter than 32 bytes.
 */
export function signatureMatches(envelope: SignedEnvelope | Record<string, unknown>, key: Uint8Array): boolean {
  assertKey(key);
  const given = (envelope as { signature?: unknown }).signature;
  if (typeof given !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(given)) return false;
  const expected = createHmac("sha256", key).update(canonicalEnvelope(envelope)).digest();
  const actual = Buffer.from(given, "base64url");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
