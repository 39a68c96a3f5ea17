import type { IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NormalizedResponse, StreamChunk } from "../src/api.js";
import { startAnthropicWire } from "./wire/anthropic.js";
import { startHuggingFaceWire } from "./wire/huggingface.js";
import { startOpenAiWire } from "./wire/openai.js";
import type { WireServer } from "./wire/server.js";
import { call, chatBody, makeOrg, sseEvents, startGateway, startIdentity, streamExecute, type Gateway, type TestOrg } from "./fixture.js";

// The gateway through createApp on a real database, trusting a real identity service; the paid
// providers are local servers speaking their wire formats, called through the official SDKs.
let identity: IdentityProcess;
let gateway: Gateway;
let org: TestOrg;
let openai: WireServer;
let anthropic: WireServer;
let hf: WireServer;

beforeAll(async () => {
  [identity, openai, anthropic, hf] = await Promise.all([startIdentity(), startOpenAiWire(), startAnthropicWire(), startHuggingFaceWire()]);
  gateway = await startGateway(identity, {
    INTEGRATIONS_DEFAULT_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-env-openai-0000000000",
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: "sk-ant-env-0000000000",
    ANTHROPIC_BASE_URL: anthropic.url,
    HUGGINGFACE_API_KEY: "hf_env_0000000000",
    HUGGINGFACE_BASE_URL: hf.url,
    INTEGRATIONS_PRICES: JSON.stringify({ "openai/gpt-4o-mini": { prompt: 1, completion: 2 } }),
  });
  org = await makeOrg(identity);
}, 90_000);
afterAll(async () => {
  await gateway?.close();
  await Promise.all([identity?.stop(), openai?.close(), anthropic?.close(), hf?.close()]);
});
beforeEach(() => {
  for (const w of [openai, anthropic, hf]) w.reset();
});

async function records(filter: Record<string, string>) {
  await gateway.flush();
  const res = await call(`${gateway.base}/api/usage/records?${new URLSearchParams(filter)}`, { token: org.owner.token });
  expect(res.status).toBe(200);
  return res.body.items as any[];
}

describe("POST /api/integrations/execute", () => {
  it("answers a chat with the normalized response (ids, provider, model, usage, latency) and records it in the ledger", async () => {
    openai.plan({ text: "Hello from the gateway.", usage: { prompt: 11, completion: 4 } });
    const res = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody({ runId: "run-whole-1" }) });
    expect(res.status).toBe(200);
    const body = NormalizedResponse.parse(res.body);
    expect(body).toMatchObject({ provider: "openai", model: "gpt-4o-mini", operation: "chat", content: "Hello from the gateway.", finishReason: "stop", runId: "run-whole-1" });
    expect(body.usage).toEqual({ promptTokens: 11, completionTokens: 4, totalTokens: 15 });
    expect(body.id).toBe(res.headers.get("x-request-id"));
    expect(body.traceId).toBe(res.headers.get("x-trace-id"));
    expect(body.providerRequestId).toMatch(/^chatcmpl-wire-/);
    expect(body.attempts).toEqual([{ provider: "openai", model: "gpt-4o-mini", outcome: "ok", latencyMs: expect.any(Number) }]);
    expect(openai.requests[0]!.headers.authorization).toBe("Bearer sk-env-openai-0000000000");
    const [row] = await records({ requestId: body.id });
    expect(row).toMatchObject({ orgId: org.orgId, principalId: org.member.id, callerId: org.member.id, provider: "openai", model: "gpt-4o-mini", status: "ok", promptTokens: 11, completionTokens: 4, totalTokens: 15, usageEstimated: false, runId: "run-whole-1", traceId: body.traceId, stream: false });
    expect(row.costUsd).toBeCloseTo((11 * 1 + 4 * 2) / 1e6, 12);
  });

  it("streams StreamChunks over SSE (anthropic): named delta events, then done with finish reason and usage", async () => {
    anthropic.plan({ text: "one two three four", usage: { prompt: 6, completion: 4 } });
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ provider: "anthropic", model: "claude-wire" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const chunks: StreamChunk[] = [];
    for await (const e of sseEvents(res)) {
      const chunk = StreamChunk.parse(JSON.parse(e.data));
      expect(e.event).toBe(chunk.type);
      chunks.push(chunk);
    }
    const deltas = chunks.filter((c) => c.type === "delta");
    expect(deltas.map((c) => c.content).join("")).toBe("one two three four");
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    const done = chunks.at(-1)!;
    expect(done).toMatchObject({ type: "done", provider: "anthropic", model: "claude-wire", finishReason: "stop", content: "one two three four", usage: { promptTokens: 6, completionTokens: 4, totalTokens: 10 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const [row] = await records({ requestId: done.id });
    expect(row).toMatchObject({ provider: "anthropic", status: "ok", totalTokens: 10, stream: true });
  });

  it("assembles streamed tool calls into the done chunk", async () => {
    openai.plan({ toolCalls: [{ id: "call_9", name: "lookup", arguments: '{"q":"gateway"}' }] });
    const res = await streamExecute(gateway.base, org.member.token, { ...chatBody(), params: { messages: [{ role: "user", content: "find" }], tools: [{ name: "lookup" }] } });
    const chunks = [];
    for await (const e of sseEvents(res)) chunks.push(JSON.parse(e.data));
    expect(chunks.at(-1)).toMatchObject({ type: "done", finishReason: "tool_calls", toolCalls: [{ id: "call_9", type: "function", name: "lookup", arguments: '{"q":"gateway"}' }] });
  });

  it("runs embeddings and Hugging Face text generation, whole and streamed", async () => {
    const emb = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: { operation: "embeddings", params: { input: ["hello", "hi"] } } });
    expect(emb.status).toBe(200);
    expect(emb.body.embeddings.map((v: number[]) => v[0])).toEqual([5, 2]);
    expect(emb.body).toMatchObject({ provider: "openai", model: "text-embedding-3-small", content: null, finishReason: null });
    hf.plan({ text: "a tale" }, { text: "of two gateways" });
    const gen = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: { provider: "huggingface", operation: "generate", model: "gpt2-wire", params: { prompt: "Tell" } } });
    expect(gen.body).toMatchObject({ provider: "huggingface", content: "a tale", usage: { estimated: true } });
    const res = await streamExecute(gateway.base, org.member.token, { provider: "huggingface", operation: "generate", model: "gpt2-wire", params: { prompt: "More" } });
    const chunks = [];
    for await (const e of sseEvents(res)) chunks.push(JSON.parse(e.data));
    expect(chunks.at(-1)).toMatchObject({ type: "done", content: "of two gateways", finishReason: "stop" });
  });

  it("refuses bad input with 400 and records nothing", async () => {
    const bad = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: { operation: "chat", params: { messages: [] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    const streamedEmbeddings = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: { operation: "embeddings", stream: true, params: { input: "x" } } });
    expect(streamedEmbeddings.status).toBe(400);
    const unknown = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody({ provider: "nope" }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.category).toBe("invalid_request");
    expect(openai.requests).toHaveLength(0);
    expect(await records({ principalId: org.member.id, requestId: bad.headers.get("x-request-id")! })).toEqual([]);
  });

  it("is ready while identity is reachable (GET /health/ready names its checks)", async () => {
    const ready = await call(`${gateway.base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ database: { ok: true }, identity: { ok: true } });
  });

  it("answers 401 without a token and 403 to a principal without cap:integrations.execute in the org", async () => {
    expect((await call(`${gateway.base}/api/integrations/execute`, { json: chatBody() })).status).toBe(401);
    const outsider = await identity.registerUser({ orgName: null });
    expect((await call(`${gateway.base}/api/integrations/execute`, { token: outsider.token, json: chatBody() })).status).toBe(403);
    expect((await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody(), headers: { "x-org-id": "00000000-0000-0000-0000-000000000000" } })).status).toBe(403);
  });
});

describe("acting on behalf of a principal", () => {
  it("lets a service principal name the principal it serves: usage is theirs, the caller is the service", async () => {
    const assistants = await identity.serviceLogin("assistants").getToken();
    const res = await call(`${gateway.base}/api/integrations/execute`, { token: assistants, json: chatBody({ onBehalfOf: { principalId: org.member.id, orgId: org.orgId } }) });
    expect(res.status).toBe(200);
    const [row] = await records({ requestId: res.body.id });
    expect(row).toMatchObject({ principalId: org.member.id, orgId: org.orgId, callerId: "service:assistants" });
  });

  it("refuses onBehalfOf from a user (403) and from a service without cap:integrations.execute (403)", async () => {
    const asUser = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody({ onBehalfOf: { principalId: org.owner.id, orgId: org.orgId } }) });
    expect(asUser.status).toBe(403);
    const network = await identity.serviceLogin("network").getToken();
    const asNetwork = await call(`${gateway.base}/api/integrations/execute`, { token: network, json: chatBody({ onBehalfOf: { principalId: org.member.id, orgId: org.orgId } }) });
    expect(asNetwork.status).toBe(403);
    expect(openai.requests).toHaveLength(0);
  });
});

describe("GET /api/usage", () => {
  it("aggregates the org's usage per day, principal, provider and model for org admins only", async () => {
    openai.plan({ usage: { prompt: 10, completion: 5 } }, { usage: { prompt: 20, completion: 5 } });
    for (let i = 0; i < 2; i++) expect((await call(`${gateway.base}/api/integrations/execute`, { token: org.owner.token, json: chatBody({ model: "usage-model" }) })).status).toBe(200);
    await gateway.flush();
    const res = await call(`${gateway.base}/api/usage?model=usage-model`, { token: org.owner.token });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { day: new Date().toISOString().slice(0, 10), principalId: org.owner.id, provider: "openai", model: "usage-model", requests: 2, errors: 0, cancelled: 0, promptTokens: 30, completionTokens: 10, totalTokens: 40, costUsd: null, avgLatencyMs: expect.any(Number) },
    ]);
    const all = await call(`${gateway.base}/api/usage?limit=1`, { token: org.owner.token });
    expect(all.body.items).toHaveLength(1);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const page2 = await call(`${gateway.base}/api/usage?limit=1&cursor=${all.body.nextCursor}`, { token: org.owner.token });
    expect(page2.body.items[0]).not.toEqual(all.body.items[0]);
    expect((await call(`${gateway.base}/api/usage`, { token: org.member.token })).status).toBe(403);
    expect((await call(`${gateway.base}/api/usage?from=2024-02-01&to=2024-01-01`, { token: org.owner.token })).status).toBe(400);
    // Another org sees none of it.
    const other = await identity.registerUser();
    const theirs = await call(`${gateway.base}/api/usage`, { token: other.token });
    expect(theirs.body.items).toEqual([]);
  });
});
