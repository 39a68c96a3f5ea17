import { defineRouter, scopeOf } from "@symbia/http";
import { Agent, AgentWithSecret, ApiKey, ApiKeyWithSecret, CreateApiKeyBody, RegisterAgentBody, page } from "@symbia/id";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import * as keys from "../api-keys/api-keys.service.js";
import * as agents from "./agents.service.js";

/** `/api/agents`: AI agents as principals of an org (X-Org-Id selects the org). */
export function agentsRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/agents", tag: "agents", description: "AI agents registered as principals, with capabilities never wider than their registrant's." });
  const Params = z.object({ agentRef: z.string().min(1).max(200) });
  router.post("/", { summary: "Register an agent (secret shown once)", body: RegisterAgentBody, response: AgentWithSecret, status: 201, errors: [409] }, (req) =>
    agents.registerAgent(deps, scopeOf(req), req.principal!, req.valid.body),
  );
  router.get("/", { summary: "List the org's agents", response: page(Agent) }, async (req) => ({ items: await agents.listAgents(deps, scopeOf(req), req.principal!), nextCursor: null }));
  router.get("/:agentRef", { summary: "Get an agent by id or agentId", params: Params, response: Agent }, (req) => agents.getAgent(deps, scopeOf(req), req.principal!, req.valid.params.agentRef));
  router.delete("/:agentRef", { summary: "Revoke an agent and its tokens", params: Params, status: 204 }, async (req) => {
    await agents.revokeAgent(deps, scopeOf(req), req.principal!, req.valid.params.agentRef);
  });
  router.post("/:agentRef/rotate-secret", { summary: "Issue a new agent secret (old tokens revoked)", params: Params, response: AgentWithSecret, errors: [409] }, (req) =>
    agents.rotateAgentSecret(deps, scopeOf(req), req.principal!, req.valid.params.agentRef),
  );
  return router;
}

/** `/api/api-keys`: scoped API keys of the caller in an org. */
export function apiKeysRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/api-keys", tag: "api-keys", description: "API keys (sk_…) whose scopes narrow their creator's entitlements." });
  const Params = z.object({ keyId: z.uuid() });
  router.post("/", { summary: "Create an API key (shown once)", body: CreateApiKeyBody, response: ApiKeyWithSecret, status: 201 }, (req) => keys.createApiKey(deps, scopeOf(req), req.principal!, req.valid.body));
  router.get("/", { summary: "List API keys (own; all for org owners)", response: page(ApiKey) }, async (req) => ({ items: await keys.listApiKeys(deps, scopeOf(req), req.principal!), nextCursor: null }));
  router.delete("/:keyId", { summary: "Revoke an API key", params: Params, status: 204 }, async (req) => {
    await keys.revokeApiKey(deps, scopeOf(req), req.principal!, req.valid.params.keyId);
  });
  router.post("/:keyId/rotate", { summary: "Replace an API key's secret", params: Params, response: ApiKeyWithSecret, errors: [409] }, (req) => keys.rotateApiKey(deps, scopeOf(req), req.principal!, req.valid.params.keyId));
  return router;
}
