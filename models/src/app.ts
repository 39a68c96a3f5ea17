import { access } from "node:fs/promises";
import { createServer, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import pkg from "../package.json" with { type: "json" };
import type { AppDeps } from "./deps.js";
import { registerModelMetrics } from "./metrics.js";
import { modelsRouter } from "./models/models.routes.js";
import { openAiRouter } from "./openai/openai.routes.js";

/**
 * The models service: the OpenAI-compatible API under `/v1`, the model directory under
 * `/api/models`, health, docs and `/metrics` (with the models' slots, queue and token figures).
 * Every route but health, docs and metrics requires authentication; inference needs
 * `cap:models.infer`, loading and unloading `cap:models.admin`. Shutting the server down stops the
 * model workers.
 */
export function createApp(deps: AppDeps): SymbiaServer {
  const server = createServer({
    service: "models",
    version: pkg.version,
    description: "Local GGUF inference with node-llama-cpp: model directory, load/unload, slots and queue, OpenAI-compatible API.",
    config: deps.config,
    routers: [modelsRouter(deps.models), openAiRouter(deps.models, deps.logger)],
    logger: deps.logger,
    readiness: { modelDirectory: () => access(deps.models.catalog.dir) },
    authenticate: deps.authenticate,
    ...(deps.telemetry ? { telemetry: requestTelemetry(deps.telemetry) } : {}),
    tags: [
      { name: "openai", description: "OpenAI-compatible chat completions, embeddings and model list." },
      { name: "models", description: "The model directory and loading models into worker processes." },
    ],
  });
  registerModelMetrics(server.metrics.registry, deps.models);
  server.onShutdown("model workers", () => deps.models.close());
  if (deps.closeAuth) server.onShutdown("identity verifier", deps.closeAuth);
  if (deps.telemetry) attachTelemetry(server, deps.telemetry);
  return server;
}
