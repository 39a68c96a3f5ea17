import { z } from "zod";
import { Digest, Text, Timestamp } from "./common.js";

/** A registered Ed25519 public key of a principal. */
export const SigningKey = z
  .object({
    id: z.uuid(),
    principalId: z.string(),
    name: z.string(),
    algorithm: z.literal("ed25519"),
    /** SPKI PEM. */
    publicKey: z.string(),
    /** `sha256:` of the DER SPKI encoding. */
    fingerprint: Digest,
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: "SigningKey" });
export type SigningKey = z.infer<typeof SigningKey>;

/** Body of `POST /api/signing-keys`: an Ed25519 public key as SPKI PEM or base64 of its 32 raw bytes. */
export const RegisterSigningKeyBody = z.strictObject({
  name: Text(100).trim().min(1),
  publicKey: Text(2_000).min(40),
});
export type RegisterSigningKeyBody = z.infer<typeof RegisterSigningKeyBody>;

const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]+={0,2}$/, "base64 or base64url");

/** A 64-byte Ed25519 signature, base64 or base64url. */
export const SignatureValue = Base64.min(85).max(90);

/** Body of `POST …/versions/:version/signatures`: a signature over the version's digest. */
export const AddSignatureBody = z.strictObject({ keyId: z.uuid(), signature: SignatureValue });
export type AddSignatureBody = z.infer<typeof AddSignatureBody>;

/** A stored signature of a version. */
export const Signature = z
  .object({
    id: z.uuid(),
    resourceId: z.uuid(),
    version: z.int(),
    digest: Digest,
    keyId: z.uuid(),
    principalId: z.string(),
    signature: z.string(),
    createdAt: Timestamp,
    /** Verified now: the key is registered and not revoked, and the signature checks against the digest. */
    valid: z.boolean(),
  })
  .meta({ id: "Signature" });
export type Signature = z.infer<typeof Signature>;

/**
 * Body of `POST …/verify`: a signature to check (with the registered key's id or its public key),
 * or nothing to re-check every stored signature of the version.
 */
export const VerifyBody = z
  .strictObject({ signature: SignatureValue.optional(), keyId: z.uuid().optional(), publicKey: Text(2_000).min(40).optional() })
  .refine((b) => b.signature === undefined || b.keyId !== undefined || b.publicKey !== undefined, { path: ["keyId"], message: "a signature to verify names its keyId or publicKey" })
  .refine((b) => b.signature !== undefined || (b.keyId === undefined && b.publicKey === undefined), { path: ["signature"], message: "keyId and publicKey go with a signature" });
export type VerifyBody = z.infer<typeof VerifyBody>;

/** Outcome of one signature check. */
export const VerificationResult = z.object({
  signatureId: z.uuid().nullable(),
  keyId: z.uuid().nullable(),
  principalId: z.string().nullable(),
  valid: z.boolean(),
  /** Why it failed: `bad signature`, `key not registered`, `key revoked`. */
  reason: z.string().nullable(),
});

/** Answer of `POST …/verify`: valid when at least one checked signature is. */
export const VerifyResponse = z.object({ digest: Digest, valid: z.boolean(), results: z.array(VerificationResult) }).meta({ id: "VerifyResponse" });
export type VerifyResponse = z.infer<typeof VerifyResponse>;

/** `:keyId` of signing-key routes. */
export const SigningKeyParams = z.object({ keyId: z.uuid() });

/** `Timestamp` re-exported for convenience of callers building filters. */
export { Timestamp };
