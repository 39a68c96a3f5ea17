import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collect, req, textOf } from "../../test/adapters.js";
import { startHuggingFaceWire } from "../../test/wire/huggingface.js";
import type { WireServer } from "../../test/wire/server.js";
import { classifyError } from "./errors.js";
import { huggingFaceAdapter } from "./huggingface.adapter.js";

// The official @huggingface/inference SDK against a local server speaking hf-inference's wire format.
let wire: WireServer;
const adapter = huggingFaceAdapter();
const model = "meta-llama/Llama-wire";
const chat = { messages: [{ role: "user" as const, content: "Say hello" }] };

beforeAll(async () => {
  wire = await startHuggingFaceWire();
});
afterAll(() => wire.close());
beforeEach(() => wire.reset());

describe("huggingface adapter (official SDK, local hf-inference wire server)", () => {
  it("runs chat completion on <base>/models/<model>/v1/chat/completions, normalized with usage", async () => {
    wire.plan({ text: "Hello from HF.", usage: { prompt: 5, completion: 3 } });
    const result = await adapter.chat(req(wire.url, model, { ...chat, maxTokens: 30 }, "hf_test_token_123456"));
    expect(result).toMatchObject({ content: "Hello from HF.", finishReason: "stop", usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 } });
    expect(wire.requests[0]!.path).toBe(`/models/${model}/v1/chat/completions`);
    expect(wire.requests[0]!.headers.authorization).toBe("Bearer hf_test_token_123456");
    expect(wire.requests[0]!.body).toMatchObject({ model, max_tokens: 30 });
  });

  it("streams chat completion chunks with usage", async () => {
    wire.plan({ text: "a b c d", usage: { prompt: 2, completion: 4 } });
    const events = await collect(adapter.chatStream(req(wire.url, model, chat)));
    expect(textOf(events)).toBe("a b c d");
    expect(events).toContainEqual({ type: "usage", promptTokens: 2, completionTokens: 4 });
    expect(events).toContainEqual({ type: "finish", finishReason: "stop" });
  });

  it("passes tools through and normalizes tool calls", async () => {
    wire.plan({ toolCalls: [{ id: "call_hf", name: "search", arguments: '{"q":"x"}' }] });
    const result = await adapter.chat(req(wire.url, model, { ...chat, tools: [{ name: "search" }] }));
    expect(result.toolCalls).toEqual([{ id: "call_hf", type: "function", name: "search", arguments: '{"q":"x"}' }]);
    expect(wire.requests[0]!.body.tools).toEqual([{ type: "function", function: { name: "search" } }]);
  });

  it("runs text generation (whole: estimated usage; streamed: deltas and reported usage)", async () => {
    wire.plan({ text: "once upon a time" }, { text: "there was a gateway" });
    const whole = await adapter.generate(req(wire.url, model, { prompt: "Tell me a story", maxTokens: 10, temperature: 0.5 }));
    expect(whole.content).toBe("once upon a time");
    expect(whole.usage).toMatchObject({ estimated: true });
    expect(wire.requests[0]!.path).toBe(`/models/${model}/v1/completions`);
    expect(wire.requests[0]!.body).toMatchObject({ prompt: "Tell me a story", max_tokens: 10, temperature: 0.5 });
    const events = await collect(adapter.generateStream(req(wire.url, model, { prompt: "Go on" })));
    expect(textOf(events)).toBe("there was a gateway");
    expect(events.some((e) => e.type === "usage")).toBe(true);
    expect(events).toContainEqual({ type: "finish", finishReason: "stop" });
  });

  it("turns feature extraction into one vector per input", async () => {
    const one = await adapter.embeddings(req(wire.url, "sentence-wire", { input: "abc" }));
    expect(one.embeddings).toEqual([[3, 0.97, 0.5]]);
    const two = await adapter.embeddings(req(wire.url, "sentence-wire", { input: ["a", "bb"] }));
    expect(two.embeddings?.map((v) => v[0])).toEqual([1, 2]);
    expect(wire.requests[1]!.path).toBe("/models/sentence-wire/pipeline/feature-extraction");
  });

  it.each([
    [401, "auth"],
    [429, "rate_limit"],
    [503, "provider"],
    [422, "invalid_request"],
  ] as const)("classifies HTTP %i as %s (and does not loop on 503)", async (status, category) => {
    wire.plan({ status });
    const error = await adapter.generate(req(wire.url, model, { prompt: "x" })).catch((e: unknown) => e);
    expect(classifyError(error, { provider: "huggingface" }).category).toBe(category);
    expect(wire.requests).toHaveLength(1);
  });
});
