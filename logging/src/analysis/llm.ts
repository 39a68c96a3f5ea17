import { outgoingTraceHeaders } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { z } from "zod";

/** A chat message sent to the model. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One chat call. */
export interface ChatRequest {
  provider: string;
  model?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
}

/** The model's answer. */
export interface ChatResult {
  content: string;
  provider: string;
  model: string;
  finishReason?: string;
  usage?: { inputTokens?: number; outputTokens?: number };
}

/** The principal on whose behalf the call is made (integrations picks credentials and bills by it). */
export interface OnBehalfOf {
  orgId: string;
  principalId: string;
}

/** How logging reaches an LLM: through the integrations service in production. */
export interface LlmClient {
  chat(request: ChatRequest, onBehalfOf: OnBehalfOf): Promise<ChatResult>;
}

/**
 * The answer integrations is assumed to give to `operation: "chat"` (the contract this client
 * defines until integrations publishes its own in `integrations/api`).
 */
export const ExecuteChatResponse = z.object({
  provider: z.string(),
  model: z.string(),
  content: z.string(),
  finishReason: z.string().optional(),
  usage: z.object({ inputTokens: z.number().int().nonnegative().optional(), outputTokens: z.number().int().nonnegative().optional() }).optional(),
});

/**
 * {@link LlmClient} over `POST {integrationsUrl}/api/integrations/execute`:
 *
 * request — headers `authorization: Bearer <logging's service token>`, `x-org-id: <requester's
 * org>`, the current `traceparent`/`x-trace-id`; body
 * `{provider, operation: "chat", params: {model?, messages: [{role, content}], maxTokens?, temperature?}, onBehalfOf: {orgId, principalId}}`;
 *
 * response — 200 with {@link ExecuteChatResponse} `{provider, model, content, finishReason?, usage?: {inputTokens?, outputTokens?}}`;
 * errors in the shared envelope.
 *
 * @throws AppError `unavailable` (integrations unreachable), `timeout`, `bad_gateway` (an error
 * answer or a malformed one; the upstream code and message are in `details`).
 */
export function integrationsLlm(options: { url: string; auth: { getToken(): Promise<string> }; timeoutMs: number }): LlmClient {
  const endpoint = `${options.url.replace(/\/+$/, "")}/api/integrations/execute`;
  return {
    async chat(request, onBehalfOf) {
      const { provider, ...params } = request;
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${await options.auth.getToken()}`, "x-org-id": onBehalfOf.orgId, ...outgoingTraceHeaders() },
          body: JSON.stringify({ provider, operation: "chat", params, onBehalfOf }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        if ((error as Error).name === "TimeoutError") throw new AppError("timeout", "the LLM did not answer in time");
        if (error instanceof AppError) throw new AppError("unavailable", `cannot authenticate to integrations: ${error.message}`);
        throw new AppError("unavailable", "integrations is unreachable", undefined, { retryAfterSeconds: 5 });
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      if (!res.ok) {
        const upstream = (body as { error?: { code?: string; message?: string } } | null)?.error;
        throw new AppError("bad_gateway", `integrations answered ${res.status}${upstream?.message ? `: ${upstream.message}` : ""}`, { status: res.status, ...(upstream?.code ? { code: upstream.code } : {}) });
      }
      const parsed = ExecuteChatResponse.safeParse(body);
      if (!parsed.success) throw new AppError("bad_gateway", "integrations answered in an unexpected shape");
      return parsed.data;
    },
  };
}
