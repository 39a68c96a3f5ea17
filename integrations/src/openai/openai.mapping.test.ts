import { describe, expect, it } from "vitest";
import { base64Embedding, chatParamsFromOpenAi, resolveModelName, toOpenAiChunks } from "./openai.mapping.js";

const providers = new Set(["openai", "anthropic", "huggingface", "symbia-labs"]);

describe("OpenAI ↔ normalized mapping", () => {
  it("reads provider/model names, provider ids alone, and bare models of the default provider", () => {
    expect(resolveModelName("anthropic/claude-3", providers)).toEqual({ provider: "anthropic", model: "claude-3" });
    expect(resolveModelName("huggingface/meta-llama/Llama-3.1-8B-Instruct", providers)).toEqual({ provider: "huggingface", model: "meta-llama/Llama-3.1-8B-Instruct" });
    expect(resolveModelName("symbia-labs", providers)).toEqual({ provider: "symbia-labs" });
    expect(resolveModelName("meta-llama/Llama", providers)).toEqual({ model: "meta-llama/Llama" });
    expect(resolveModelName("gpt-4o", providers)).toEqual({ model: "gpt-4o" });
  });

  it("maps messages (developer → system, text parts joined, tool calls and results), tools and sampling", () => {
    const params = chatParamsFromOpenAi({
      model: "m",
      messages: [
        { role: "developer", content: "rules" },
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", content: "r", tool_call_id: "c" },
      ],
      tools: [{ type: "function", function: { name: "f" } }],
      tool_choice: { type: "function", function: { name: "f" } },
      max_completion_tokens: 9,
      stop: "x",
      temperature: 0.1,
    });
    expect(params).toEqual({
      messages: [
        { role: "system", content: "rules" },
        { role: "user", content: "ab" },
        { role: "assistant", content: null, toolCalls: [{ id: "c", type: "function", name: "f", arguments: "{}" }] },
        { role: "tool", content: "r", toolCallId: "c" },
      ],
      tools: [{ name: "f" }],
      toolChoice: { name: "f" },
      maxTokens: 9,
      stop: ["x"],
      temperature: 0.1,
    });
    expect(() => chatParamsFromOpenAi({ model: "m", messages: [{ role: "user", content: [{ type: "image_url" }] }] })).toThrow(/text content/);
  });

  it("turns chunks into chat.completion.chunk payloads: role first, finish, usage, errors", () => {
    const state = { created: 1, roleSent: false };
    const first = toOpenAiChunks({ type: "delta", id: "r", provider: "openai", model: "m", index: 0, content: "hi" }, state, true) as any[];
    expect(first[0].choices[0].delta).toEqual({ role: "assistant", content: "hi" });
    expect(first[0].model).toBe("openai/m");
    const done = toOpenAiChunks(
      { type: "done", id: "r", provider: "openai", model: "m", index: 1, providerRequestId: null, finishReason: "cancelled", content: "hi", toolCalls: [], usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, latencyMs: 1, runId: null, traceId: "t", attempts: [] },
      state,
      true,
    ) as any[];
    expect(done[0].choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(done[1]).toMatchObject({ choices: [], usage: { total_tokens: 2 } });
    const error = toOpenAiChunks({ type: "error", id: "r", provider: "openai", model: "m", index: 2, error: { code: "timeout", message: "slow", category: "timeout" } }, state, false) as any[];
    expect(error).toEqual([{ error: { code: "timeout", message: "slow", details: { category: "timeout" } } }]);
  });

  it("encodes embeddings as little-endian float32 base64", () => {
    const buffer = Buffer.from(base64Embedding([1.5, -2]), "base64");
    expect([buffer.readFloatLE(0), buffer.readFloatLE(4)]).toEqual([1.5, -2]);
  });
});
