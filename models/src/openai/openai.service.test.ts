import { describe, expect, it } from "vitest";
import { ChatCompletionRequest } from "./openai.schemas.js";
import { generateOptions, toWorkerMessages } from "./openai.service.js";

const request = (extra: Record<string, unknown> = {}) => ChatCompletionRequest.parse({ model: "m", messages: [{ role: "user", content: "hi" }], ...extra });

describe("toWorkerMessages", () => {
  it("maps developer to system and joins text parts", () => {
    expect(
      toWorkerMessages([
        { role: "developer", content: "rules" },
        { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        { role: "assistant", content: null },
      ]),
    ).toEqual([
      { role: "system", content: "rules" },
      { role: "user", content: "a\nb" },
      { role: "assistant", content: "" },
    ]);
  });

  it("refuses tool messages, tool calls and non-text parts with every failing path", () => {
    try {
      toWorkerMessages([
        { role: "tool", content: "result", tool_call_id: "c1" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1" }] },
        { role: "user", content: [{ type: "input_audio" }] },
      ]);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "validation_failed" });
      const paths = (error as { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path);
      expect(paths).toEqual(["body.messages.0.role", "body.messages.1.tool_calls", "body.messages.2.content.0.type"]);
    }
  });
});

describe("generateOptions", () => {
  it("uses OpenAI's defaults and the service's max tokens", () => {
    expect(generateOptions(request(), { defaultMaxTokens: 99 })).toEqual({ maxTokens: 99, temperature: 1, topP: 1, stop: [] });
  });

  it("takes max_completion_tokens over max_tokens, a stop string or list, seed and penalties", () => {
    const options = generateOptions(request({ max_tokens: 5, max_completion_tokens: 7, stop: "END", seed: 3, temperature: 0, top_p: 0.5, presence_penalty: 0.5 }), { defaultMaxTokens: 99 });
    expect(options).toEqual({ maxTokens: 7, temperature: 0, topP: 0.5, seed: 3, stop: ["END"], presencePenalty: 0.5 });
    expect(generateOptions(request({ stop: ["a", ""] }), { defaultMaxTokens: 1 }).stop).toEqual(["a"]);
  });

  it("refuses n > 1, tools and non-text response formats", () => {
    expect(() => generateOptions(request({ n: 2 }), { defaultMaxTokens: 1 })).toThrow(/body.n/);
    expect(() => generateOptions(request({ tools: [{}] }), { defaultMaxTokens: 1 })).toThrow(/body.tools/);
    expect(() => generateOptions(request({ response_format: { type: "json_object" } }), { defaultMaxTokens: 1 })).toThrow(/body.response_format.type/);
    expect(generateOptions(request({ response_format: { type: "text" } }), { defaultMaxTokens: 1 }).maxTokens).toBe(1);
  });
});
