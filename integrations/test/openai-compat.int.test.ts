import type { IdentityProcess } from "@symbia/id/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAnthropicWire } from "./wire/anthropic.js";
import { startOpenAiWire } from "./wire/openai.js";
import type { WireServer } from "./wire/server.js";
import { call, makeOrg, startGateway, startIdentity, type Gateway, type TestOrg } from "./fixture.js";

// The official openai npm client pointed at the gateway's /v1, with a Symbia token or API key as
// its API key; the providers behind are local wire servers (OpenAI's and Anthropic's formats).
let identity: IdentityProcess;
let gateway: Gateway;
let org: TestOrg;
let openaiWire: WireServer;
let anthropicWire: WireServer;

beforeAll(async () => {
  [identity, openaiWire, anthropicWire] = await Promise.all([startIdentity(), startOpenAiWire(), startAnthropicWire()]);
  gateway = await startGateway(identity, {
    INTEGRATIONS_DEFAULT_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-env-openai-0000000000",
    OPENAI_BASE_URL: `${openaiWire.url}/v1`,
    ANTHROPIC_API_KEY: "sk-ant-env-0000000000",
    ANTHROPIC_BASE_URL: anthropicWire.url,
    INTEGRATIONS_MAX_RETRIES: "0",
  });
  org = await makeOrg(identity);
}, 90_000);
afterAll(async () => {
  await gateway?.close();
  await Promise.all([identity?.stop(), openaiWire?.close(), anthropicWire?.close()]);
});
beforeEach(() => {
  openaiWire.reset();
  anthropicWire.reset();
});

const client = (apiKey: string, headers: Record<string, string> = {}) => new OpenAI({ apiKey, baseURL: `${gateway.base}/v1`, maxRetries: 0, defaultHeaders: headers });

describe("/v1 with the official openai client", () => {
  it("completes a chat (default provider, bare model name)", async () => {
    openaiWire.plan({ text: "Hi from behind the gateway.", usage: { prompt: 9, completion: 5 } });
    const completion = await client(org.member.token).chat.completions.create({ model: "gpt-wire", messages: [{ role: "user", content: "hello" }] });
    expect(completion.choices[0]!.message.content).toBe("Hi from behind the gateway.");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.model).toBe("openai/gpt-wire");
    expect(completion.usage).toEqual({ prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 });
    expect(openaiWire.requests[0]!.body.model).toBe("gpt-wire");
  });

  it("streams a chat from another provider (anthropic/claude-…) with include_usage, ending with [DONE]", async () => {
    anthropicWire.plan({ text: "streamed through the gateway", usage: { prompt: 3, completion: 4 } });
    const stream = await client(org.member.token).chat.completions.create({ model: "anthropic/claude-wire", messages: [{ role: "system", content: "be short" }, { role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let role: string | undefined;
    for await (const chunk of stream) {
      role ??= chunk.choices[0]?.delta.role;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(role).toBe("assistant");
    expect(text).toBe("streamed through the gateway");
    expect(finish).toBe("stop");
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(anthropicWire.requests[0]!.body).toMatchObject({ model: "claude-wire", system: "be short" });
  });

  it("passes tools through and streams tool calls back in OpenAI's shape", async () => {
    openaiWire.plan({ toolCalls: [{ id: "call_v1", name: "weather", arguments: '{"city":"Oslo"}' }] });
    const stream = await client(org.member.token).chat.completions.create({
      model: "openai/gpt-wire",
      messages: [{ role: "user", content: "weather?" }],
      tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
      stream: true,
    });
    let args = "";
    let name = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices[0]?.delta.tool_calls ?? []) {
        name ||= c.function?.name ?? "";
        args += c.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect({ name, args, finish }).toEqual({ name: "weather", args: '{"city":"Oslo"}', finish: "tool_calls" });
    expect(openaiWire.requests[0]!.body.tools[0].function.name).toBe("weather");
  });

  it("creates embeddings (the client's default base64 encoding) and lists models as provider/model", async () => {
    const embeddings = await client(org.member.token).embeddings.create({ model: "openai/embed-wire", input: ["four", "sixsix"] });
    expect(embeddings.data.map((d) => d.embedding[0])).toEqual([4, 6]);
    expect(embeddings.model).toBe("openai/embed-wire");
    const models = await client(org.member.token).models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "symbia-labs/symbia-tiny-test"]));
  });

  it("accepts a Symbia API key whose scopes allow execution, and refuses one whose scopes do not (403)", async () => {
    const made = await identity.call("/api/api-keys", { token: org.member.token, orgId: org.orgId, json: { name: "sdk", scopes: ["cap:integrations.execute"] } });
    expect(made.status).toBe(201);
    const ok = await client(made.body.key).chat.completions.create({ model: "gpt-wire", messages: [{ role: "user", content: "hi" }] });
    expect(ok.choices[0]!.message.content).toBe("Hello from the OpenAI wire server.");
    const narrow = await identity.call("/api/api-keys", { token: org.member.token, orgId: org.orgId, json: { name: "read-only", scopes: ["cap:catalog.read"] } });
    await expect(client(narrow.body.key).chat.completions.create({ model: "gpt-wire", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 403 });
    await expect(client("sk_not_a_real_key").models.list()).rejects.toMatchObject({ status: 401 });
  });

  it("raises the gateway's errors as the client's APIError (status and message)", async () => {
    openaiWire.plan({ status: 500, errorMessage: "upstream exploded" });
    const error = await client(org.member.token).chat.completions.create({ model: "gpt-wire", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as Error).message).toContain("upstream exploded");
  });

  it("lets a service principal act for a principal with X-On-Behalf-Of and X-Org-Id", async () => {
    const token = await identity.serviceLogin("messaging").getToken();
    const completion = await client(token, { "x-on-behalf-of": org.member.id, "x-org-id": org.orgId, "x-run-id": "run-v1" }).chat.completions.create({ model: "gpt-wire", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    await gateway.flush();
    const rows = await call(`${gateway.base}/api/usage/records?runId=run-v1`, { token: org.owner.token });
    expect(rows.body.items[0]).toMatchObject({ principalId: org.member.id, callerId: "service:messaging" });
  });
});
