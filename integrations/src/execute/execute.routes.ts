import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import { CancelRunResponse, ExecuteRequest, NormalizedResponse, ProviderInfo, type StreamChunk } from "./execute.schemas.js";
import { cancelRun, execute, executeStream, listProviders } from "./execute.service.js";
import type { GatewayDeps } from "./gateway.js";
import { actorOf, callInfoOf, disconnectSignal, sendSse } from "./http.js";

/** `POST /api/integrations/execute`, run cancellation and the provider list. */
export function executeRouter(deps: GatewayDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/integrations", tag: "integrations", description: "The normalized gateway API: one request and response shape for every provider." });

  router.post(
    "/execute",
    {
      summary: "Run a chat, embeddings or text-generation call on a provider; with stream: true, Server-Sent Events of StreamChunk",
      description:
        "The provider (default: the org's) is called with the acting principal's credential from identity's vault (their own, else the org's), else the service's key. " +
        "Retryable failures are retried with backoff, then the fallback list is tried in order; each provider has a circuit breaker. " +
        "Streamed: events named delta, then done (or error); the connection closing aborts the provider's stream. " +
        "Errors carry details.category: auth (502), rate_limit (429), provider (502, 503 while its circuit is open), timeout (504), invalid_request (400). " +
        "A service principal may act for another principal with onBehalfOf.",
      body: ExecuteRequest,
      response: NormalizedResponse,
      entitlement: CAPABILITIES.integrations.execute,
      errors: [429, 502, 503, 504],
    },
    async (req, res) => {
      const request = req.valid.body;
      const options = { actor: actorOf(req, request.onBehalfOf), info: callInfoOf(res), signal: disconnectSignal(res) };
      if (!request.stream) return execute(deps, request, options);
      const stream = await executeStream(deps, request, options);
      await sendSse<StreamChunk>(req, res, stream, (push, chunk) => push.named(chunk, chunk.type));
      return undefined;
    },
  );

  router.post(
    "/runs/:runId/cancel",
    {
      summary: "Cancel a run's calls in flight: their provider requests and streams are aborted, partial usage is recorded",
      description: "Cancels the calls of the run in the caller's org (any org for a service principal). Idempotent: `cancelled` counts the calls aborted now.",
      params: z.object({ runId: z.string().min(1).max(200) }),
      response: CancelRunResponse,
      entitlement: CAPABILITIES.integrations.execute,
    },
    (req) => {
      const { runId } = req.valid.params;
      const filter = req.principal?.type === "service" ? {} : { orgId: scopeOf(req).orgId };
      return { runId, cancelled: cancelRun(deps, runId, filter) };
    },
  );

  router.get(
    "/providers",
    { summary: "The providers the caller's org can use: default models, models, circuit state", response: z.object({ items: z.array(ProviderInfo) }), entitlement: CAPABILITIES.integrations.execute },
    async (req) => ({ items: await listProviders(deps, actorOf(req).orgId) }),
  );

  return router;
}
