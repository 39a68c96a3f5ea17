import { defineRouter, errorResponse, scopeOf, type Logger, type ServiceRouter } from "@symbia/http";
import { AppError, CAPABILITIES } from "@symbia/sys";
import type { Request, Response } from "express";
import { z } from "zod";
import type { ModelManager } from "../models/models.service.js";
import { RequestCancelledError } from "../models/slots.js";
import { ChatCompletion, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse, OpenAiModel, OpenAiModelList } from "./openai.schemas.js";
import { createChatCompletion, createEmbeddings, listOpenAiModels, streamChatCompletion } from "./openai.service.js";

/**
 * Notes the tenant a call serves when the caller names one (`X-Org-Id`: integrations sends its
 * subject's org), so the request's span and log line land in that org next to the rest of the
 * turn's trace. Without the header nothing changes (a service principal belongs to no org).
 */
function noteTenant(req: Request): void {
  if (req.get("x-org-id")?.trim()) scopeOf(req);
}

/**
 * An AbortSignal that fires when the client goes away before the response is complete, so a
 * disconnect stops the generation (or takes the request out of the queue).
 */
function disconnectSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Runs `fn`; a request cancelled by its client while queued gets no answer (nobody is listening). */
async function unlessCancelled<T>(res: Response, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RequestCancelledError) {
      res.destroy();
      return undefined;
    }
    throw error;
  }
}

/** The OpenAI-compatible API under `/v1`: models, chat completions (whole or streamed), embeddings. */
export function openAiRouter(manager: ModelManager, logger: Logger): ServiceRouter {
  const router = defineRouter({ basePath: "/v1", tag: "openai", description: "OpenAI-compatible API: any OpenAI client library can use it with this service's /v1 as base URL." });

  router.get("/models", { summary: "List the models that can be named in requests", response: OpenAiModelList, entitlement: CAPABILITIES.models.infer }, async () => ({
    object: "list" as const,
    data: await listOpenAiModels(manager),
  }));

  router.get(
    "/models/:model",
    { summary: "Describe one model", params: z.object({ model: z.string().min(1) }), response: OpenAiModel, entitlement: CAPABILITIES.models.infer },
    async (req) => {
      const found = (await listOpenAiModels(manager)).find((m) => m.id === req.valid.params.model);
      if (!found) throw new AppError("not_found", `no model ${req.valid.params.model}`);
      return found;
    },
  );

  router.post(
    "/chat/completions",
    {
      summary: "Create a chat completion; with stream: true, Server-Sent Events of chat.completion.chunk then [DONE]",
      description:
        "Generation runs on one of the model's slots; when all are busy the request waits in a bounded queue, and a full queue answers 429 with Retry-After. " +
        "Closing the connection stops the generation. A model that is not loaded is loaded first (MODELS_AUTOLOAD).",
      body: ChatCompletionRequest,
      response: ChatCompletion,
      produces: "application/json",
      entitlement: CAPABILITIES.models.infer,
      errors: [409, 503, 504],
    },
    async (req, res) => {
      noteTenant(req);
      const signal = disconnectSignal(res);
      const body = req.valid.body;
      if (!body.stream) return unlessCancelled(res, () => createChatCompletion(manager, body, signal));
      try {
        await streamChatCompletion(manager, body, signal, {
          start: () => {
            res.status(200);
            res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
            res.setHeader("Cache-Control", "no-cache, no-transform");
            res.setHeader("Connection", "keep-alive");
            res.setHeader("X-Accel-Buffering", "no");
            res.flushHeaders();
          },
          send: (chunk) => {
            if (!res.writableEnded) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
          },
        });
        if (!res.writableEnded) res.end(signal.aborted ? undefined : "data: [DONE]\n\n");
        return undefined;
      } catch (error) {
        if (error instanceof RequestCancelledError) {
          res.destroy();
          return undefined;
        }
        if (!res.headersSent) throw error;
        // The stream has begun: report the error as an event (OpenAI clients raise it) and end without [DONE].
        const { body: envelope } = errorResponse(error, logger);
        if (!res.writableEnded) res.end(`data: ${JSON.stringify(envelope)}\n\n`);
        return undefined;
      }
    },
  );

  router.post(
    "/embeddings",
    {
      summary: "Create embeddings for one or more texts (models with embedding support)",
      body: EmbeddingRequest,
      response: EmbeddingResponse,
      entitlement: CAPABILITIES.models.infer,
      errors: [409, 503, 504],
    },
    async (req, res) => {
      noteTenant(req);
      const signal = disconnectSignal(res);
      return unlessCancelled(res, () => createEmbeddings(manager, req.valid.body, signal));
    },
  );

  return router;
}
