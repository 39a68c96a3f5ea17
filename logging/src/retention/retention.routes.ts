import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { DataType, RetentionBody, RetentionSetting } from "@symbia/logging-client";
import { CAPABILITIES, ROLES } from "@symbia/sys";
import { z } from "zod";
import type { LoggingDeps } from "../deps.js";
import { clearRetention, retentionOf, setRetention } from "./retention.service.js";

const Params = z.object({ dataType: DataType });

/** Retention per org and data type. */
export function retentionRouter(deps: LoggingDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/retention", tag: "retention", description: "How long each data type is kept in the caller's org (days)." });
  router.get("/", { summary: "Retention of every data type in the org (own setting or default)", response: z.object({ items: z.array(RetentionSetting) }), entitlement: CAPABILITIES.logging.read }, async (req) => ({
    items: await retentionOf(deps, scopeOf(req).orgId),
  }));
  router.put("/:dataType", { summary: "Set the org's retention of a data type (org admins)", params: Params, body: RetentionBody, response: RetentionSetting, entitlement: ROLES.orgAdmin }, (req) => {
    const scope = scopeOf(req);
    return setRetention(deps, scope.orgId, scope.principalId, req.valid.params.dataType, req.valid.body.days);
  });
  router.delete("/:dataType", { summary: "Return a data type to the default retention (org admins)", params: Params, status: 204, entitlement: ROLES.orgAdmin }, async (req) => {
    await clearRetention(deps, scopeOf(req).orgId, req.valid.params.dataType);
  });
  return router;
}
