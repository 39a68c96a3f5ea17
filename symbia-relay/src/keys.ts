import { hkdfSync } from "node:crypto";
import { NodeId } from "./ids.js";

/** Smallest network secret accepted, in bytes (256 bits, the HMAC-SHA256 key size). */
export const MIN_NETWORK_SECRET_BYTES = 32;

/** Length of a derived node key, in bytes (the SHA-256 output size, as RFC 2104 recommends). */
export const NODE_KEY_BYTES = 32;

/**
 * HKDF salt used for every node key: the UTF-8 bytes of this string. A fixed, versioned,
 * application-specific salt (RFC 5869 §3.1 allows a non-secret constant); bumping the version
 * rotates every node key at once.
 */
export const NODE_KEY_SALT = "symbia-relay/node-key/v1";

/**
 * Derives the HMAC key of one node: HKDF-SHA256 (RFC 5869, `node:crypto` `hkdfSync`) with
 * - IKM  = the network secret (`NETWORK_HASH_SECRET`; a string is taken as its UTF-8 bytes),
 * - salt = UTF-8 of {@link NODE_KEY_SALT},
 * - info = UTF-8 of `"node:" + nodeId`, which binds the key to exactly one node id,
 * - L    = {@link NODE_KEY_BYTES} (32 bytes).
 *
 * Only the network holds the secret; it hands each node its own key over the node's authenticated
 * socket at registration, never inside an event. Knowing one node's key reveals nothing about
 * another's.
 *
 * @param secret the network secret, at least {@link MIN_NETWORK_SECRET_BYTES} bytes.
 * @param nodeId a valid node id (see `NodeId`).
 * @returns a 32-byte key.
 * @throws Error when the secret is too short or the node id is invalid.
 */
export function deriveNodeKey(secret: string | Uint8Array, nodeId: string): Buffer {
  const ikm = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
  if (ikm.length < MIN_NETWORK_SECRET_BYTES) {
    throw new Error(`deriveNodeKey: the network secret must be at least ${MIN_NETWORK_SECRET_BYTES} bytes`);
  }
  if (!NodeId.safeParse(nodeId).success) throw new Error(`deriveNodeKey: invalid node id ${JSON.stringify(nodeId)}`);
  return Buffer.from(hkdfSync("sha256", ikm, Buffer.from(NODE_KEY_SALT, "utf8"), Buffer.from(`node:${nodeId}`, "utf8"), NODE_KEY_BYTES));
}

/** A node key as unpadded base64url, the form it travels in at registration. */
export function encodeNodeKey(key: Uint8Array): string {
  return Buffer.from(key).toString("base64url");
}

/**
 * Reads a node key sent as unpadded base64url.
 * @throws Error when it does not decode to {@link NODE_KEY_BYTES} bytes.
 */
export function decodeNodeKey(encoded: string): Buffer {
  const key = /^[A-Za-z0-9_-]+$/.test(encoded) ? Buffer.from(encoded, "base64url") : Buffer.alloc(0);
  if (key.length !== NODE_KEY_BYTES) throw new Error(`decodeNodeKey: expected ${NODE_KEY_BYTES} bytes of base64url`);
  return key;
}
