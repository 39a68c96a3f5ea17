import { defineRouter, type ServiceRouter } from "@symbia/http";
import { CAPABILITIES } from "@symbia/sys";
import { LoadModelBody, ModelInfo, ModelList, ModelParams } from "./models.schemas.js";
import type { ModelManager } from "./models.service.js";

/** The model directory and its administration under `/api/models`. */
export function modelsRouter(manager: ModelManager): ServiceRouter {
  const router = defineRouter({ basePath: "/api/models", tag: "models", description: "The model directory (MODELS_DIR): GGUF files, their facts, and loading them into worker processes." });

  router.get(
    "/",
    { summary: "List the GGUF models of the model directory with size, SHA-256, architecture, context length and load status", response: ModelList, entitlement: CAPABILITIES.models.infer },
    async () => ({ items: await manager.list(), nextCursor: null }),
  );

  router.get("/:id", { summary: "Describe one model", params: ModelParams, response: ModelInfo, entitlement: CAPABILITIES.models.infer }, (req) => manager.get(req.valid.params.id));

  router.post(
    "/:id/load",
    {
      summary: "Load a model into its own worker process (idempotent)",
      description: "409 when the memory limit (MODELS_MEMORY_LIMIT_BYTES) does not allow it, unless evictIdle lets idle models be unloaded first.",
      params: ModelParams,
      body: LoadModelBody,
      response: ModelInfo,
      entitlement: CAPABILITIES.models.admin,
      errors: [409, 503],
    },
    (req) => manager.load(req.valid.params.id, req.valid.body),
  );

  router.post(
    "/:id/unload",
    {
      summary: "Unload a model: queued and running requests on it fail with 503 and its worker exits (idempotent)",
      params: ModelParams,
      response: ModelInfo,
      entitlement: CAPABILITIES.models.admin,
    },
    (req) => manager.unload(req.valid.params.id),
  );

  return router;
}
