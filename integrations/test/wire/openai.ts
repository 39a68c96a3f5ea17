/**
 * OpenAI's wire format (API reference: Chat Completions with SSE streaming and
 * `stream_options.include_usage`, Embeddings with `encoding_format` float or base64, Models), as a
 * local server for the official `openai` SDK. Also used for Hugging Face's OpenAI-compatible chat.
 */
import { errorMessage, sendJson, startWireServer, type Script, type WireContext, type WireServer } from "./server.js";

function usageOf(ctx: WireContext, completion: number) {
  const u = ctx.script.usage === undefined ? { prompt: ctx.promptWords(), completion } : ctx.script.usage;
  return u === null ? null : { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion };
}

/** An OpenAI error response (`{error: {message, type, code}}`). */
export function openAiError(ctx: WireContext): true {
  const status = ctx.script.status!;
  const type = ctx.script.errorType ?? (status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : status >= 500 ? "server_error" : "invalid_request_error");
  return sendJson(ctx.res, status, { error: { message: errorMessage(ctx, `error ${status}`), type, code: type, param: null } }, ctx.script.headers);
}

/** `POST …/chat/completions`: whole or streamed, with tool calls. */
export async function openAiChat(ctx: WireContext): Promise<true> {
  const { script, body } = ctx;
  if (script.status) return openAiError(ctx);
  const id = `chatcmpl-wire-${ctx.n}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body?.model ?? "unknown";
  const pieces = script.toolCalls?.length && !script.text ? [] : ctx.pieces();
  const finish = script.finishReason ?? (script.toolCalls?.length ? "tool_calls" : "stop");
  if (!body?.stream) {
    return sendJson(ctx.res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: pieces.length ? pieces.join("") : null,
            refusal: null,
            ...(script.toolCalls?.length ? { tool_calls: script.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) } : {}),
          },
          finish_reason: finish,
          logprobs: null,
        },
      ],
      ...(usageOf(ctx, pieces.length + (script.toolCalls?.length ?? 0)) ? { usage: usageOf(ctx, pieces.length + (script.toolCalls?.length ?? 0)) } : {}),
    }, script.headers);
  }
  const chunk = (delta: unknown, finishReason: string | null = null) => ({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] });
  const events: { data: unknown; delta?: boolean }[] = [{ data: chunk({ role: "assistant", content: "" }) }];
  for (const p of pieces) events.push({ data: chunk({ content: p }), delta: true });
  (script.toolCalls ?? []).forEach((c, index) => {
    events.push({ data: chunk({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: "" } }] }), delta: true });
    const half = Math.ceil(c.arguments.length / 2);
    for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)]) if (part) events.push({ data: chunk({ tool_calls: [{ index, function: { arguments: part } }] }), delta: true });
  });
  events.push({ data: chunk({}, finish) });
  const usage = usageOf(ctx, pieces.length + (script.toolCalls?.length ?? 0));
  if (body.stream_options?.include_usage && usage) events.push({ data: { id, object: "chat.completion.chunk", created, model, choices: [], usage } });
  events.push({ data: "[DONE]" });
  await ctx.stream(events);
  return true;
}

/** A deterministic vector for a text: [length, first char code / 100, 0.5]. */
export function vectorOf(text: string): number[] {
  return [text.length, (text.codePointAt(0) ?? 0) / 100, 0.5];
}

/** `POST /v1/embeddings`. */
function embeddings(ctx: WireContext): true {
  if (ctx.script.status) return openAiError(ctx);
  const inputs: string[] = Array.isArray(ctx.body.input) ? ctx.body.input : [ctx.body.input];
  const base64 = ctx.body.encoding_format === "base64";
  const data = inputs.map((text, index) => {
    const vector = vectorOf(text);
    if (!base64) return { object: "embedding", index, embedding: vector };
    const buffer = Buffer.alloc(vector.length * 4);
    vector.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
    return { object: "embedding", index, embedding: buffer.toString("base64") };
  });
  const prompt = inputs.reduce((n, t) => n + t.split(/\s+/).length, 0);
  return sendJson(ctx.res, 200, { object: "list", data, model: ctx.body.model, usage: { prompt_tokens: prompt, total_tokens: prompt } });
}

/** Starts a local server speaking OpenAI's API under `/v1`. */
export function startOpenAiWire(fallback: Script = { text: "Hello from the OpenAI wire server." }): Promise<WireServer> {
  return startWireServer(async (ctx) => {
    if (ctx.req.method === "POST" && ctx.path === "/v1/chat/completions") return openAiChat(ctx);
    if (ctx.req.method === "POST" && ctx.path === "/v1/embeddings") return embeddings(ctx);
    if (ctx.req.method === "GET" && ctx.path === "/v1/models") return sendJson(ctx.res, 200, { object: "list", data: [{ id: "gpt-wire", object: "model", created: 0, owned_by: "wire" }] });
    return false;
  }, fallback);
}
