import { defineRouter, type ServiceRouter } from "@symbia/http";
import { AppError, CAPABILITIES } from "@symbia/sys";
import type { Request } from "express";
import type { Actor } from "../execute/accounting.js";
import { ExecuteRequest, type StreamChunk } from "../execute/execute.schemas.js";
import { execute, executeStream } from "../execute/execute.service.js";
import type { GatewayDeps } from "../execute/gateway.js";
import { actorOf, callInfoOf, disconnectSignal, sendSse } from "../execute/http.js";
import { base64Embedding, chatParamsFromOpenAi, gatewayModelName, resolveModelName, toOpenAiChunks, toOpenAiCompletion } from "./openai.mapping.js";
import { OpenAiChatCompletion, OpenAiChatRequest, OpenAiEmbeddingRequest, OpenAiEmbeddingResponse, OpenAiModelList } from "./openai.schemas.js";

/** The acting principal of a `/v1` call: `X-On-Behalf-Of` (+ `X-Org-Id`) for service principals. */
function v1Actor(req: Request): Actor {
  const onBehalfOf = req.get("x-on-behalf-of")?.trim();
  if (!onBehalfOf) return actorOf(req);
  const orgId = req.get("x-org-id")?.trim();
  if (!orgId) throw new AppError("bad_request", "X-On-Behalf-Of needs X-Org-Id");
  return actorOf(req, { principalId: onBehalfOf, orgId });
}

/** The optional run id of a `/v1` call (`X-Run-Id`), for cancellation. */
function v1RunId(req: Request): string | undefined {
  const runId = req.get("x-run-id")?.trim();
  return runId ? runId.slice(0, 200) : undefined;
}

async function providerIds(deps: GatewayDeps, orgId: string): Promise<Set<string>> {
  return new Set((await deps.modelConfig.forOrg(orgId)).providers.keys());
}

/**
 * The OpenAI-compatible API under `/v1`: any OpenAI client library can use the gateway with
 * `<integrations>/v1` as base URL and a Symbia access token or API key (`sk_…`) as its API key.
 * Models are named `provider/model`.
 */
export function openAiRouter(deps: GatewayDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/v1", tag: "openai", description: "OpenAI-compatible chat completions, embeddings and model list over every provider of the gateway." });

  router.get("/models", { summary: "The models of every provider of the caller's org, as provider/model", response: OpenAiModelList, entitlement: CAPABILITIES.integrations.execute }, async (req) => {
    const config = await deps.modelConfig.forOrg(v1Actor(req).orgId);
    const data = [...config.providers.values()].flatMap((p) =>
      [...new Set([...Object.values(p.defaultModels), ...p.models])].map((m) => ({ id: gatewayModelName(p.id, m), object: "model" as const, created: 0, owned_by: p.id })),
    );
    return { object: "list" as const, data };
  });

  router.post(
    "/chat/completions",
    {
      summary: "OpenAI chat completion on any provider (model: provider/model); stream: true gives chat.completion.chunk events then [DONE]",
      description: "Usage, budgets, retries, fallback (the org's list) and cancellation as for /api/integrations/execute; X-Run-Id names the run, X-On-Behalf-Of (with X-Org-Id) lets a service principal act for another principal.",
      body: OpenAiChatRequest,
      response: OpenAiChatCompletion,
      entitlement: CAPABILITIES.integrations.execute,
      errors: [429, 502, 503, 504],
    },
    async (req, res) => {
      const body = req.valid.body;
      const actor = v1Actor(req);
      const { provider, model } = resolveModelName(body.model, await providerIds(deps, actor.orgId));
      const runId = v1RunId(req);
      const request = ExecuteRequest.parse({
        operation: "chat",
        ...(provider ? { provider } : {}),
        ...(model ? { model } : {}),
        params: chatParamsFromOpenAi(body),
        stream: body.stream === true,
        ...(runId ? { runId } : {}),
      });
      const options = { actor, info: callInfoOf(res), signal: disconnectSignal(res) };
      if (!request.stream) return toOpenAiCompletion(await execute(deps, request, options));
      const stream = await executeStream(deps, request, options);
      const state = { created: Math.floor(Date.now() / 1000), roleSent: false };
      await sendSse<StreamChunk>(req, res, stream, (push, chunk) => {
        for (const payload of toOpenAiChunks(chunk, state, body.stream_options?.include_usage === true)) push.data(JSON.stringify(payload));
        // OpenAI ends a stream with [DONE]; after an error event it just ends.
        if (chunk.type === "done") push.data("[DONE]");
      });
      return undefined;
    },
  );

  router.post(
    "/embeddings",
    { summary: "OpenAI embeddings on any provider (model: provider/model)", body: OpenAiEmbeddingRequest, response: OpenAiEmbeddingResponse, entitlement: CAPABILITIES.integrations.execute, errors: [429, 502, 503, 504] },
    async (req, res) => {
      const body = req.valid.body;
      const actor = v1Actor(req);
      const config = await deps.modelConfig.forOrg(actor.orgId);
      const { provider, model } = resolveModelName(body.model, new Set(config.providers.keys()));
      const request = ExecuteRequest.parse({
        operation: "embeddings",
        ...(provider ? { provider } : {}),
        ...(model ? { model } : {}),
        params: { input: body.input, ...(body.dimensions ? { dimensions: body.dimensions } : {}) },
      });
      const response = await execute(deps, request, { actor, info: callInfoOf(res), signal: disconnectSignal(res) });
      const base64 = body.encoding_format === "base64";
      return {
        object: "list" as const,
        data: (response.embeddings ?? []).map((vector, index) => ({ object: "embedding" as const, index, embedding: base64 ? base64Embedding(vector) : vector })),
        model: gatewayModelName(response.provider, response.model),
        usage: { prompt_tokens: response.usage.promptTokens, total_tokens: response.usage.totalTokens },
      };
    },
  );

  return router;
}
