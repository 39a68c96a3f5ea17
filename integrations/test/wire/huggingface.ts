/**
 * Hugging Face Inference's `hf-inference` wire format as `@huggingface/inference` calls it with an
 * endpoint URL: `POST /models/<model>/v1/chat/completions` (OpenAI-compatible, TGI), `POST
 * /models/<model>/v1/completions` (text generation, whole and streamed) and `POST
 * /models/<model>/pipeline/feature-extraction` (`{inputs}` → one pooled vector per text). Errors
 * are `{"error": "…"}`.
 */
import { openAiChat, vectorOf } from "./openai.js";
import { sendJson, errorMessage, startWireServer, type Script, type WireContext, type WireServer } from "./server.js";

function error(ctx: WireContext): true {
  return sendJson(ctx.res, ctx.script.status!, { error: errorMessage(ctx, `error ${ctx.script.status}`), error_type: ctx.script.errorType ?? "generation" }, ctx.script.headers);
}

async function completions(ctx: WireContext): Promise<true> {
  const { script, body } = ctx;
  if (script.status) return error(ctx);
  const id = `cmpl-wire-${ctx.n}`;
  const model = body?.model ?? "unknown";
  const pieces = ctx.pieces();
  const finish = script.finishReason ?? "stop";
  const usage = script.usage === undefined ? { prompt_tokens: ctx.promptWords(), completion_tokens: pieces.length, total_tokens: ctx.promptWords() + pieces.length } : null;
  if (!body?.stream) {
    return sendJson(ctx.res, 200, { id, object: "text_completion", created: 0, model, choices: [{ index: 0, text: pieces.join(""), finish_reason: finish, logprobs: null }], ...(usage ? { usage } : {}) });
  }
  const events: { data: unknown; delta?: boolean }[] = pieces.map((p) => ({ data: { id, object: "text_completion", created: 0, model, choices: [{ index: 0, text: p, finish_reason: null, logprobs: null }] }, delta: true }));
  events.push({ data: { id, object: "text_completion", created: 0, model, choices: [{ index: 0, text: "", finish_reason: finish, logprobs: null }], ...(usage ? { usage } : {}) } });
  events.push({ data: "[DONE]" });
  await ctx.stream(events);
  return true;
}

function featureExtraction(ctx: WireContext): true {
  if (ctx.script.status) return error(ctx);
  const inputs = ctx.body?.inputs;
  return sendJson(ctx.res, 200, Array.isArray(inputs) ? inputs.map((t: string) => vectorOf(t)) : vectorOf(String(inputs)));
}

/** Starts a local server speaking Hugging Face's `hf-inference` routes. */
export function startHuggingFaceWire(fallback: Script = { text: "Hello from the Hugging Face wire server." }): Promise<WireServer> {
  return startWireServer((ctx) => {
    if (ctx.req.method !== "POST" || !ctx.path.startsWith("/models/")) return false;
    if (ctx.path.endsWith("/v1/chat/completions")) return ctx.script.status ? error(ctx) : openAiChat(ctx);
    if (ctx.path.endsWith("/v1/completions")) return completions(ctx);
    if (ctx.path.endsWith("/pipeline/feature-extraction")) return featureExtraction(ctx);
    return false;
  }, fallback);
}
