import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collect, req, textOf } from "../../test/adapters.js";
import { startOpenAiWire } from "../../test/wire/openai.js";
import type { WireServer } from "../../test/wire/server.js";
import { classifyError } from "./errors.js";
import { openAiAdapter } from "./openai.adapter.js";

// The official openai SDK against a local server speaking OpenAI's wire format (OpenAI cannot be reached here).
let wire: WireServer;
let base: string;
const adapter = openAiAdapter();
const chat = { messages: [{ role: "user" as const, content: "Say hello" }] };

beforeAll(async () => {
  wire = await startOpenAiWire();
  base = `${wire.url}/v1`;
});
afterAll(() => wire.close());
beforeEach(() => wire.reset());

describe("openai adapter (official SDK, local OpenAI wire server)", () => {
  it("normalizes a whole chat completion: content, finish reason, usage, model and id", async () => {
    wire.plan({ text: "Hello there friend.", usage: { prompt: 7, completion: 3 } });
    const result = await adapter.chat(req(base, "gpt-wire", { ...chat, temperature: 0.2, maxTokens: 20, stop: ["\n"] }));
    expect(result).toMatchObject({ content: "Hello there friend.", finishReason: "stop", model: "gpt-wire", usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 } });
    expect(result.providerRequestId).toMatch(/^chatcmpl-wire-/);
    const sent = wire.requests[0]!;
    expect(sent.headers.authorization).toBe("Bearer sk-test-key-0123456789");
    expect(sent.body).toMatchObject({ model: "gpt-wire", temperature: 0.2, max_tokens: 20, stop: ["\n"], messages: [{ role: "user", content: "Say hello" }] });
  });

  it("streams deltas, then the finish reason and usage (stream_options.include_usage)", async () => {
    wire.plan({ text: "one two three", usage: { prompt: 4, completion: 3 } });
    const events = await collect(adapter.chatStream(req(base, "gpt-wire", chat)));
    expect(textOf(events)).toBe("one two three");
    expect(events.filter((e) => e.type === "delta")).toHaveLength(3);
    expect(events).toContainEqual({ type: "finish", finishReason: "stop" });
    expect(events).toContainEqual({ type: "usage", promptTokens: 4, completionTokens: 3 });
    expect(events[0]).toMatchObject({ type: "meta", model: "gpt-wire" });
    expect(wire.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it("passes tools through and normalizes the tool calls, whole and streamed", async () => {
    const tools = [{ name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } } } }];
    const toolCalls = [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }];
    wire.plan({ toolCalls }, { toolCalls });
    const whole = await adapter.chat(req(base, "gpt-wire", { ...chat, tools, toolChoice: { name: "get_weather" } }));
    expect(whole.toolCalls).toEqual([{ id: "call_1", type: "function", name: "get_weather", arguments: '{"city":"Paris"}' }]);
    expect(whole.finishReason).toBe("tool_calls");
    expect(wire.requests[0]!.body.tools[0]).toEqual({ type: "function", function: tools[0] });
    expect(wire.requests[0]!.body.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    const events = await collect(adapter.chatStream(req(base, "gpt-wire", { ...chat, tools })));
    const deltas = events.flatMap((e) => (e.type === "delta" ? (e.toolCalls ?? []) : []));
    expect(deltas[0]).toEqual({ index: 0, id: "call_1", name: "get_weather" });
    expect(deltas.map((d) => d.arguments ?? "").join("")).toBe('{"city":"Paris"}');
    expect(events).toContainEqual({ type: "finish", finishReason: "tool_calls" });
  });

  it("sends tool results and assistant tool calls back in OpenAI's shape", async () => {
    await adapter.chat(
      req(base, "gpt-wire", {
        messages: [
          { role: "user" as const, content: "weather?" },
          { role: "assistant" as const, content: null, toolCalls: [{ id: "c1", type: "function" as const, name: "w", arguments: "{}" }] },
          { role: "tool" as const, content: "sunny", toolCallId: "c1" },
        ],
      }),
    );
    expect(wire.requests[0]!.body.messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "w", arguments: "{}" } }] },
      { role: "tool", content: "sunny", tool_call_id: "c1" },
    ]);
  });

  it("creates embeddings (the SDK asks for base64 and decodes it) with usage", async () => {
    const result = await adapter.embeddings(req(base, "embed-wire", { input: ["ab", "cde"] }));
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings![0]![0]).toBeCloseTo(2);
    expect(result.embeddings![1]![0]).toBeCloseTo(3);
    expect(result.usage).toEqual({ promptTokens: 2, completionTokens: 0, totalTokens: 2 });
  });

  it("calls a server without auth when there is no key (no Authorization header)", async () => {
    await adapter.chat(req(base, "gpt-wire", chat, null));
    expect(wire.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("runs text generation as a one-message chat", async () => {
    wire.plan({ text: "generated" });
    const result = await adapter.generate(req(base, "gpt-wire", { prompt: "Once upon", maxTokens: 5 }));
    expect(result.content).toBe("generated");
    expect(wire.requests[0]!.body.messages).toEqual([{ role: "user", content: "Once upon" }]);
  });

  it.each([
    [401, "auth", false],
    [429, "rate_limit", true],
    [500, "provider", true],
    [400, "invalid_request", false],
  ] as const)("classifies HTTP %i as %s", async (status, category, retryable) => {
    wire.plan({ status, headers: status === 429 ? { "retry-after": "2" } : {}, echoCredential: true });
    const error = await adapter.chat(req(base, "gpt-wire", chat)).catch((e: unknown) => e);
    const classified = classifyError(error, { provider: "openai", secret: "sk-test-key-0123456789" });
    expect(classified.category).toBe(category);
    expect(classified.info.retryable).toBe(retryable);
    expect(classified.message).not.toContain("sk-test-key-0123456789");
    if (status === 429) expect(classified.info.retryAfterMs).toBe(2000);
  });
});
