import { outgoingTraceHeaders } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { NormalizedResponse, type ExecuteRequestInput } from "@symbia/integrations-service/api";

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
 * The body of `POST /api/integrations/execute` for one chat call, in integrations' own wire
 * schema (`@symbia/integrations-service/api`): `model` sits beside `provider`, sampling settings
 * in `params`.
 */
export function executeChatBody(request: ChatRequest, onBehalfOf: OnBehalfOf): ExecuteRequestInput {
  const { provider, model, messages, maxTokens, temperature } = request;
  return {
    operation: "chat",
    provider,
    ...(model ? { model } : {}),
    params: { messages, ...(maxTokens !== undefined ? { maxTokens } : {}), ...(temperature !== undefined ? { temperature } : {}) },
    onBehalfOf,
  };
}

/**
 * {@link LlmClient} over `POST {integrationsUrl}/api/integrations/execute`:
 *
 * request — headers `authorization: Bearer <logging's service token>`, `x-org-id: <requester's
 * org>`, the current `traceparent`/`x-trace-id`; body {@link executeChatBody}
 * `{operation: "chat", provider, model?, params: {messages: [{role, content}], maxTokens?, temperature?}, onBehalfOf: {orgId, principalId}}`;
 *
 * response — 200 with integrations' `NormalizedResponse` (`{provider, model, content, finishReason,
 * usage: {promptTokens, completionTokens, totalTokens, estimated?}, ...}`), returned as a
 * {@link ChatResult} (usage as `inputTokens` / `outputTokens`); errors in the shared envelope.
 *
 * @throws AppError `unavailable` (integrations unreachable), `timeout`, `bad_gateway` (an error
 * answer, a malformed one, or an answer without text; the upstream code and message are in `details`).
 */
export function integrationsLlm(options: { url: string; auth: { getToken(): Promise<string> }; timeoutMs: number }): LlmClient {
  const endpoint = `${options.url.replace(/\/+$/, "")}/api/integrations/execute`;
  return {
    async chat(request, onBehalfOf) {
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${await options.auth.getToken()}`, "x-org-id": onBehalfOf.orgId, ...outgoingTraceHeaders() },
          body: JSON.stringify(executeChatBody(request, onBehalfOf)),
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
      const parsed = NormalizedResponse.safeParse(body);
      if (!parsed.success) throw new AppError("bad_gateway", "integrations answered in an unexpected shape", { issues: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join("."), message: i.message })) });
      const answer = parsed.data;
      if (answer.content === null) throw new AppError("bad_gateway", "the model answered without text", { finishReason: answer.finishReason });
      return {
        content: answer.content,
        provider: answer.provider,
        model: answer.model,
        ...(answer.finishReason ? { finishReason: answer.finishReason } : {}),
        usage: { inputTokens: answer.usage.promptTokens, outputTokens: answer.usage.completionTokens },
      };
    },
  };
}
