import { defineRouter, scopeOf } from "@symbia/http";
import { CreatePolicyBody, Decision, ListQuery, pageOf, Policy, PolicyTestBody, UpdatePolicyBody } from "@symbia/relay";
import { CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { NetworkDeps } from "../deps.js";
import * as policies from "./policies.service.js";

const C = CAPABILITIES.network;
const IdParams = z.object({ id: z.string().min(1).max(200) });

/** `/api/policies`: ordered allow / deny / route / transform / log rules. */
export function policiesRouter(deps: NetworkDeps) {
  const router = defineRouter({ basePath: "/api/policies", tag: "policies", description: "Policies, evaluated by priority on every event: allow, deny, route, transform, log." });
  router.get("/", { summary: "List the policies the org sees (its own and the platform's)", query: ListQuery, response: pageOf(Policy), entitlement: C.policiesRead }, (req) =>
    policies.listPolicies(deps, scopeOf(req), req.valid.query),
  );
  router.post("/test", { summary: "Dry-run an event against the stored policies or draft ones; nothing is delivered or stored", body: PolicyTestBody, response: Decision, entitlement: C.policiesRead }, (req) =>
    policies.testPolicies(deps, req.principal!, scopeOf(req), req.valid.body),
  );
  router.get("/:id", { summary: "Get a policy", params: IdParams, response: Policy, entitlement: C.policiesRead }, (req) => policies.getPolicy(deps, scopeOf(req), req.valid.params.id));
  router.post("/", { summary: "Create a policy (platform: true needs a super admin)", body: CreatePolicyBody, response: Policy, status: 201, entitlement: C.policiesWrite }, (req) =>
    policies.createPolicy(deps, req.principal!, scopeOf(req), req.valid.body),
  );
  router.patch("/:id", { summary: "Change a policy", params: IdParams, body: UpdatePolicyBody, response: Policy, entitlement: C.policiesWrite }, (req) =>
    policies.updatePolicy(deps, req.principal!, scopeOf(req), req.valid.params.id, req.valid.body),
  );
  router.delete("/:id", { summary: "Delete a policy", params: IdParams, status: 204, entitlement: C.policiesWrite }, (req) => policies.deletePolicy(deps, req.principal!, scopeOf(req), req.valid.params.id));
  return router;
}
