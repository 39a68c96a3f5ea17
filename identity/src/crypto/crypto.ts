import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** SHA-256 of a string, hex-encoded. For high-entropy secrets (tokens, keys) only, never passwords. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** A random URL-safe token: `prefix` + base64url of `bytes` random bytes. */
export function randomToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

/** Constant-time comparison of two strings (compares their SHA-256 digests, so lengths may differ). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

/**
 * A 32-byte key derived with HKDF-SHA256 (RFC 5869) from a master secret, for one purpose.
 * `info` names the purpose (`symbia/vault/v1`, `symbia/signing-keys/v1`…), so keys never repeat
 * across purposes.
 */
export function deriveKey(master: string, info: string, salt = "symbia-identity"): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(master, "utf8"), Buffer.from(salt, "utf8"), Buffer.from(info, "utf8"), 32));
}

/** Format version of sealed values. */
const SEAL_VERSION = "v1";

/**
 * Encrypts with AES-256-GCM (NIST SP 800-38D): a fresh 12-byte IV each time, `aad` bound into the
 * tag. Output: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts), so the format version and
 * the key that sealed it travel with the value.
 */
export function seal(key: Buffer, keyId: string, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [SEAL_VERSION, keyId, iv.toString("base64url"), ciphertext.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/**
 * Decrypts a value made by {@link seal}. `keys` maps key ids to keys (old keys stay readable after
 * a rotation).
 *
 * @throws Error when the format, key id, AAD or tag does not match (tampering or wrong owner).
 */
export function unseal(keys: ReadonlyMap<string, Buffer>, sealed: string, aad: string): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== SEAL_VERSION) throw new Error("unsupported sealed value format");
  const [, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const key = keys.get(keyId);
  if (!key) throw new Error(`unknown key id ${keyId}`);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}
