import { defineRouter, scopeOf } from "@symbia/http";
import { AuditEntry, PageQuery, page } from "@symbia/id";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import { listAudit } from "./audit.service.js";

/** `/api/audit`: the org's security audit log, newest first. */
export function auditRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/audit", tag: "audit", description: "Security-relevant actions: logins, tokens, keys, entitlements, credential reads." });
  router.get("/", { summary: "Page the org's audit log (org admins)", query: PageQuery.extend({ action: z.string().max(100).optional(), actorId: z.string().max(200).optional() }), response: page(AuditEntry) }, (req) => {
    const { limit, cursor, action, actorId } = req.valid.query;
    return listAudit(deps, req.principal!, { orgId: scopeOf(req).orgId, limit, ...(cursor ? { cursor } : {}), ...(action ? { action } : {}), ...(actorId ? { actorId } : {}) });
  });
  return router;
}
