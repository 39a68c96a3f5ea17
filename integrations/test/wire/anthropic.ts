/**
 * Anthropic's Messages API wire format (`POST /v1/messages`, whole and SSE with `message_start`,
 * `content_block_start/delta/stop`, `message_delta`, `message_stop`, `ping`; errors as
 * `{type: "error", error: {type, message}}`), as a local server for `@anthropic-ai/sdk`.
 */
import { errorMessage, sendJson, startWireServer, type Script, type WireContext, type WireServer } from "./server.js";

function error(ctx: WireContext): true {
  const status = ctx.script.status!;
  const type = ctx.script.errorType ?? (status === 429 ? "rate_limit_error" : status === 401 ? "authentication_error" : status === 529 ? "overloaded_error" : status >= 500 ? "api_error" : "invalid_request_error");
  return sendJson(ctx.res, status, { type: "error", error: { type, message: errorMessage(ctx, `error ${status}`) } }, ctx.script.headers);
}

async function messages(ctx: WireContext): Promise<true> {
  const { script, body } = ctx;
  if (script.status) return error(ctx);
  const id = `msg_wire_${ctx.n}`;
  const model = body?.model ?? "unknown";
  const pieces = script.toolCalls?.length && !script.text ? [] : ctx.pieces();
  const stop = script.finishReason ?? (script.toolCalls?.length ? "tool_use" : "end_turn");
  const usage = script.usage === undefined ? { prompt: ctx.promptWords(), completion: pieces.length + (script.toolCalls?.length ?? 0) } : script.usage;
  if (!body?.stream) {
    return sendJson(ctx.res, 200, {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [
        ...(pieces.length ? [{ type: "text", text: pieces.join("") }] : []),
        ...(script.toolCalls ?? []).map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: JSON.parse(c.arguments) })),
      ],
      stop_reason: stop,
      stop_sequence: null,
      usage: usage ? { input_tokens: usage.prompt, output_tokens: usage.completion } : { input_tokens: 0, output_tokens: 0 },
    });
  }
  const events: { event: string; data: unknown; delta?: boolean }[] = [
    { event: "message_start", data: { type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage?.prompt ?? 0, output_tokens: 1 } } } },
    { event: "ping", data: { type: "ping" } },
  ];
  let block = 0;
  if (pieces.length) {
    events.push({ event: "content_block_start", data: { type: "content_block_start", index: block, content_block: { type: "text", text: "" } } });
    for (const p of pieces) events.push({ event: "content_block_delta", data: { type: "content_block_delta", index: block, delta: { type: "text_delta", text: p } }, delta: true });
    events.push({ event: "content_block_stop", data: { type: "content_block_stop", index: block } });
    block++;
  }
  for (const c of script.toolCalls ?? []) {
    events.push({ event: "content_block_start", data: { type: "content_block_start", index: block, content_block: { type: "tool_use", id: c.id, name: c.name, input: {} } } });
    const half = Math.ceil(c.arguments.length / 2);
    for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)]) if (part) events.push({ event: "content_block_delta", data: { type: "content_block_delta", index: block, delta: { type: "input_json_delta", partial_json: part } }, delta: true });
    events.push({ event: "content_block_stop", data: { type: "content_block_stop", index: block } });
    block++;
  }
  events.push({ event: "message_delta", data: { type: "message_delta", delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage?.completion ?? 0 } } });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  await ctx.stream(events);
  return true;
}

/** Starts a local server speaking Anthropic's Messages API. */
export function startAnthropicWire(fallback: Script = { text: "Hello from the Anthropic wire server." }): Promise<WireServer> {
  return startWireServer((ctx) => (ctx.req.method === "POST" && ctx.path === "/v1/messages" ? messages(ctx) : false), fallback);
}
