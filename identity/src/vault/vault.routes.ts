import { defineRouter, scopeOf } from "@symbia/http";
import { CreateCredentialBody, Credential, ResolveCredentialBody, ResolvedCredential, page } from "@symbia/id";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import * as vault from "./vault.service.js";

/** `/api/credentials`: the vault of provider API keys and OAuth tokens (AES-256-GCM). */
export function vaultRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/credentials", tag: "vault", description: "Provider credentials, sealed at rest; users see prefixes only." });
  router.post("/", { summary: "Store (or replace) a provider credential", body: CreateCredentialBody, response: Credential, status: 201 }, (req) => vault.storeCredential(deps, scopeOf(req), req.principal!, req.valid.body));
  router.get("/", { summary: "List the caller's and the org's credentials (prefixes only)", response: page(Credential) }, async (req) => ({ items: await vault.listCredentials(deps, scopeOf(req), req.principal!), nextCursor: null }));
  router.delete("/:credentialId", { summary: "Delete a credential", params: z.object({ credentialId: z.string().max(64) }), status: 204 }, async (req) => {
    await vault.deleteCredential(deps, scopeOf(req), req.principal!, req.valid.params.credentialId);
  });
  router.post(
    "/resolve",
    { summary: "Decrypt a principal's credential for a provider (service principals with cap:identity.credentials.read)", body: ResolveCredentialBody, response: ResolvedCredential, errors: [403] },
    async (req, res) => {
      res.setHeader("Cache-Control", "no-store");
      return vault.resolveCredential(deps, req.principal!, req.valid.body);
    },
  );
  return router;
}
