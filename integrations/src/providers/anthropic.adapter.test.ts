import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collect, req, textOf } from "../../test/adapters.js";
import { startAnthropicWire } from "../../test/wire/anthropic.js";
import type { WireServer } from "../../test/wire/server.js";
import { anthropicAdapter } from "./anthropic.adapter.js";
import { classifyError, ProviderError } from "./errors.js";

// The official @anthropic-ai/sdk against a local server speaking Anthropic's Messages wire format.
let wire: WireServer;
const adapter = anthropicAdapter();
const chat = { messages: [{ role: "system" as const, content: "Be brief." }, { role: "user" as const, content: "Say hello" }] };

beforeAll(async () => {
  wire = await startAnthropicWire();
});
afterAll(() => wire.close());
beforeEach(() => wire.reset());

describe("anthropic adapter (official SDK, local Anthropic wire server)", () => {
  it("normalizes a whole message: system prompt moved out, max_tokens defaulted, usage from input/output tokens", async () => {
    wire.plan({ text: "Hi there.", usage: { prompt: 12, completion: 2 } });
    const result = await adapter.chat(req(wire.url, "claude-wire", chat));
    expect(result).toMatchObject({ content: "Hi there.", finishReason: "stop", model: "claude-wire", usage: { promptTokens: 12, completionTokens: 2, totalTokens: 14 } });
    expect(result.providerRequestId).toMatch(/^msg_wire_/);
    const body = wire.requests[0]!.body;
    expect(body.system).toBe("Be brief.");
    expect(body.max_tokens).toBe(1024);
    expect(body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Say hello" }] }]);
    expect(wire.requests[0]!.headers.authorization ?? wire.requests[0]!.headers["x-api-key"]).toContain("sk-test-key-0123456789");
  });

  it("streams text deltas with usage from message_start and message_delta", async () => {
    wire.plan({ text: "alpha beta gamma", usage: { prompt: 9, completion: 3 } });
    const events = await collect(adapter.chatStream(req(wire.url, "claude-wire", chat)));
    expect(textOf(events)).toBe("alpha beta gamma");
    expect(events[0]).toEqual({ type: "meta", providerRequestId: expect.stringMatching(/^msg_wire_/), model: "claude-wire" });
    expect(events).toContainEqual({ type: "usage", promptTokens: 9, completionTokens: 1 });
    expect(events).toContainEqual({ type: "usage", completionTokens: 3 });
    expect(events).toContainEqual({ type: "finish", finishReason: "stop" });
  });

  it("maps tools to input_schema and tool_use blocks to normalized tool calls, whole and streamed", async () => {
    const tools = [{ name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }];
    const toolCalls = [{ id: "toolu_1", name: "lookup", arguments: '{"q":"symbia"}' }];
    wire.plan({ toolCalls }, { toolCalls });
    const whole = await adapter.chat(req(wire.url, "claude-wire", { ...chat, tools, toolChoice: "required" }));
    expect(whole.toolCalls).toEqual([{ id: "toolu_1", type: "function", name: "lookup", arguments: '{"q":"symbia"}' }]);
    expect(whole.finishReason).toBe("tool_calls");
    expect(wire.requests[0]!.body.tools).toEqual([{ name: "lookup", input_schema: tools[0]!.parameters }]);
    expect(wire.requests[0]!.body.tool_choice).toEqual({ type: "any" });
    const events = await collect(adapter.chatStream(req(wire.url, "claude-wire", { ...chat, tools })));
    const deltas = events.flatMap((e) => (e.type === "delta" ? (e.toolCalls ?? []) : []));
    expect(deltas[0]).toEqual({ index: 0, id: "toolu_1", name: "lookup" });
    expect(deltas.map((d) => d.arguments ?? "").join("")).toBe('{"q":"symbia"}');
    expect(events).toContainEqual({ type: "finish", finishReason: "tool_calls" });
  });

  it("sends tool results as tool_result blocks of a user turn", async () => {
    await adapter.chat(
      req(wire.url, "claude-wire", {
        messages: [
          { role: "user" as const, content: "q" },
          { role: "assistant" as const, content: "Let me look.", toolCalls: [{ id: "t1", type: "function" as const, name: "lookup", arguments: '{"q":"x"}' }] },
          { role: "tool" as const, content: "found", toolCallId: "t1" },
        ],
      }),
    );
    expect(wire.requests[0]!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "q" }] },
      { role: "assistant", content: [{ type: "text", text: "Let me look." }, { type: "tool_use", id: "t1", name: "lookup", input: { q: "x" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "found" }] },
    ]);
  });

  it("refuses embeddings (Anthropic has none) and a call without a key, before any request", async () => {
    await expect(adapter.embeddings(req(wire.url, "claude-wire", { input: "x" }))).rejects.toMatchObject({ category: "invalid_request" });
    await expect(adapter.chat(req(wire.url, "claude-wire", chat, null))).rejects.toBeInstanceOf(ProviderError);
    expect(wire.requests).toHaveLength(0);
  });

  it.each([
    [401, "auth"],
    [429, "rate_limit"],
    [529, "provider"],
    [400, "invalid_request"],
  ] as const)("classifies HTTP %i as %s", async (status, category) => {
    wire.plan({ status });
    const error = await adapter.chat(req(wire.url, "claude-wire", chat)).catch((e: unknown) => e);
    expect(classifyError(error, { provider: "anthropic" }).category).toBe(category);
  });
});
