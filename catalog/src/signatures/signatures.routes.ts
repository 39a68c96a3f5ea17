import { AddSignatureBody, RegisterSigningKeyBody, Signature, SigningKey, SigningKeyParams, VerifyBody, VerifyResponse, VersionParams } from "@symbia/catalog-client";
import { defineRouter } from "@symbia/http";
import { z } from "zod";
import { callerOf, CATALOG_CAPS, writerOf } from "../access/access.js";
import type { CatalogDeps } from "../deps.js";
import * as signatures from "./signatures.service.js";

/** `/api/signing-keys`: Ed25519 public keys registered per principal. */
export function signingKeysRouter(deps: CatalogDeps) {
  const router = defineRouter({ basePath: "/api/signing-keys", tag: "signatures", description: "Ed25519 public keys (RFC 8032) registered by the principals that sign versions." });
  router.post("/", { summary: "Register one of the caller's Ed25519 public keys (SPKI PEM or base64 of 32 bytes)", body: RegisterSigningKeyBody, response: SigningKey, status: 201, entitlement: CATALOG_CAPS.sign, errors: [409] }, (req) =>
    signatures.registerKey(deps, writerOf(req), req.valid.body),
  );
  router.get("/", { summary: "The caller's signing keys", response: z.object({ items: z.array(SigningKey) }) }, async (req) => ({ items: await signatures.listKeys(deps, callerOf(req)) }));
  router.delete("/:keyId", { summary: "Revoke one of the caller's keys (its signatures stop verifying)", params: SigningKeyParams, response: SigningKey }, (req) =>
    signatures.revokeKey(deps, callerOf(req), req.valid.params.keyId),
  );
  return router;
}

/** `/api/resources/:ref/versions/:version/signatures` and `/verify`. */
export function signaturesRouter(deps: CatalogDeps) {
  const router = defineRouter({ basePath: "/api/resources", tag: "signatures", description: "Ed25519 signatures over a version's digest text (`sha256:<hex>`)." });
  router.post(
    "/:ref/versions/:version/signatures",
    { summary: "Store the caller's signature of the version's digest (checked first: 400 when it does not verify)", params: VersionParams, body: AddSignatureBody, response: Signature, status: 201, entitlement: CATALOG_CAPS.sign, errors: [409] },
    (req) => signatures.addSignature(deps, writerOf(req), req.valid.params.ref, req.valid.params.version, req.valid.body),
  );
  router.get("/:ref/versions/:version/signatures", { summary: "The version's signatures, each verified now", params: VersionParams, response: z.object({ items: z.array(Signature) }) }, async (req) => ({
    items: await signatures.listSignatures(deps, callerOf(req), req.valid.params.ref, req.valid.params.version),
  }));
  router.post("/:ref/versions/:version/verify", { summary: "Verify a signature, or (no body) every stored one, against the version's digest", params: VersionParams, body: VerifyBody.optional(), response: VerifyResponse }, (req) =>
    signatures.verify(deps, callerOf(req), req.valid.params.ref, req.valid.params.version, req.valid.body ?? {}),
  );
  return router;
}
