import { defineRouter, scopeOf } from "@symbia/http";
import { EffectiveEntitlements, Grant, GrantBody, page } from "@symbia/id";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import * as entitlements from "./entitlements.service.js";

/** `/api/entitlements`: grants per org and the effective (expanded) set of a principal. */
export function entitlementsRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/entitlements", tag: "entitlements", description: "cap:<service>.<action> and role:<name>, with role inheritance." });
  router.get("/effective", { summary: "A principal's expanded entitlements in the org (default: the caller)", query: z.object({ principalId: z.string().max(200).optional() }), response: EffectiveEntitlements }, (req) =>
    entitlements.effective(deps, scopeOf(req), req.principal!, req.valid.query.principalId),
  );
  router.get("/grants", { summary: "List grants in the org", query: z.object({ principalId: z.string().max(200).optional() }), response: page(Grant) }, async (req) => ({
    items: await entitlements.listGrants(deps, scopeOf(req), req.principal!, req.valid.query.principalId),
    nextCursor: null,
  }));
  router.post("/grants", { summary: "Grant an entitlement to a user or agent of the org", body: GrantBody, response: Grant, status: 201 }, (req) => entitlements.grant(deps, scopeOf(req), req.principal!, req.valid.body));
  router.delete("/grants/:grantId", { summary: "Remove a grant", params: z.object({ grantId: z.string().max(64) }), status: 204 }, async (req) => {
    await entitlements.revokeGrant(deps, scopeOf(req), req.principal!, req.valid.params.grantId);
  });
  return router;
}
