import type { IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAnthropicWire } from "./wire/anthropic.js";
import { startOpenAiWire } from "./wire/openai.js";
import type { WireServer } from "./wire/server.js";
import { call, chatBody, waitFor, makeOrg, sseEvents, startGateway, startIdentity, streamExecute, type Gateway, type TestOrg } from "./fixture.js";

// Errors, retries, timeouts, fallback, circuit breakers and budgets, through the gateway's HTTP API.
// Providers are local servers speaking OpenAI's and Anthropic's wire formats (official SDKs).
// Each behaviour under test gets its own provider id (same wire server): breakers are per endpoint.
let identity: IdentityProcess;
let gateway: Gateway;
let org: TestOrg;
let openai: WireServer;
let anthropic: WireServer;

const KEY = "sk-env-openai-secret-0000";
const extra = ["e-provider", "e-retry", "e-timeout", "e-stream", "e-fallback", "e-orgfallback", "flaky"];

beforeAll(async () => {
  [identity, openai, anthropic] = await Promise.all([startIdentity(), startOpenAiWire(), startAnthropicWire()]);
  org = await makeOrg(identity);
  gateway = await startGateway(identity, {
    INTEGRATIONS_DEFAULT_PROVIDER: "openai",
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: "sk-ant-env-0000000000",
    ANTHROPIC_BASE_URL: anthropic.url,
    WIRE_KEY: KEY,
    INTEGRATIONS_PROVIDERS: JSON.stringify(Object.fromEntries(extra.map((id) => [id, { kind: "openai", baseUrl: `${openai.url}/v1`, apiKeyEnv: "WIRE_KEY", defaultModels: { chat: `${id}-model` } }]))),
    INTEGRATIONS_ORG_SETTINGS: JSON.stringify({ [org.orgId]: { fallback: ["anthropic:claude-org-fallback"] } }),
    INTEGRATIONS_MAX_RETRIES: "1",
    INTEGRATIONS_TIMEOUT_MS: "3000",
    INTEGRATIONS_STREAM_IDLE_TIMEOUT_MS: "500",
    INTEGRATIONS_BREAKER_VOLUME: "3",
    INTEGRATIONS_BREAKER_ERROR_PERCENT: "50",
    INTEGRATIONS_BREAKER_RESET_MS: "400",
  });
}, 90_000);
afterAll(async () => {
  await gateway?.close();
  await Promise.all([identity?.stop(), openai?.close(), anthropic?.close()]);
});
beforeEach(() => {
  openai.reset();
  anthropic.reset();
});

const execute = (body: Record<string, unknown>, token = org.member.token) => call(`${gateway.base}/api/integrations/execute`, { token, json: body });
const calls = (wire: WireServer, model: string) => wire.requests.filter((r) => r.body?.model === model).length;

describe("errors in the shared envelope, one per category", () => {
  it("auth: the provider refuses the credential → 502, category auth, not retried, the key not echoed", async () => {
    openai.plan({ status: 401, echoCredential: true, errorMessage: "Incorrect API key provided" });
    const res = await execute(chatBody({ fallback: [] }));
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: "bad_gateway", details: { category: "auth", providerStatus: 401 } });
    expect(res.text).not.toContain(KEY);
    expect(res.text).not.toContain(KEY.slice(0, 8));
    expect(openai.requests).toHaveLength(1);
  });

  it("rate_limit: retried once after the provider's short Retry-After, then 429 with Retry-After", async () => {
    openai.plan({ status: 429, headers: { "retry-after": "0" } }, { status: 429, headers: { "retry-after": "0" } });
    const res = await execute(chatBody({ fallback: [] }));
    expect(res.status).toBe(429);
    expect(res.body.error.details.category).toBe("rate_limit");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(openai.requests).toHaveLength(2);
  });

  it("rate_limit: a Retry-After longer than the retry ceiling is not waited for", async () => {
    openai.plan({ status: 429, headers: { "retry-after": "30" } });
    const res = await execute(chatBody({ fallback: [] }));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(openai.requests).toHaveLength(1);
  });

  it("provider: a failing provider → retried, then 502, category provider", async () => {
    openai.plan({ status: 500 }, { status: 503 });
    const res = await execute(chatBody({ provider: "e-provider", fallback: [] }));
    expect(res.status).toBe(502);
    expect(res.body.error.details).toMatchObject({ category: "provider", attempts: [{ provider: "e-provider", outcome: "error", category: "provider" }, { outcome: "error", category: "provider" }] });
    expect(calls(openai, "e-provider-model")).toBe(2);
  });

  it("timeout: no answer within timeoutMs → the upstream request is aborted, retried once, then 504, category timeout", async () => {
    openai.plan({ hang: true }, { hang: true });
    const t0 = Date.now();
    const res = await execute(chatBody({ provider: "e-timeout", timeoutMs: 300, fallback: [] }));
    expect(res.status).toBe(504);
    expect(res.body.error).toMatchObject({ code: "timeout", details: { category: "timeout" } });
    expect(Date.now() - t0).toBeLessThan(5_000); // two 300 ms attempts, not the 3 s default
    expect(calls(openai, "e-timeout-model")).toBe(2);
    await waitFor(() => openai.disconnects.length === 2, 2_000, "both aborted requests to close");
  });

  it("invalid_request: a request the provider refuses → 400, not retried, no fallback", async () => {
    openai.plan({ status: 400, errorMessage: "model does not exist" });
    const res = await execute(chatBody({ fallback: [{ provider: "anthropic" }] }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "bad_request", details: { category: "invalid_request", providerStatus: 400 } });
    expect(openai.requests).toHaveLength(1);
    expect(anthropic.requests).toHaveLength(0);
  });

  it("a stream that goes silent past the idle timeout ends with an error chunk (timeout) after its deltas", async () => {
    openai.plan({ text: "a b c", pauseAfterDeltas: 1, pauseMs: 1_500 });
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ provider: "e-stream" }));
    expect(res.status).toBe(200);
    const chunks = [];
    for await (const e of sseEvents(res)) chunks.push(JSON.parse(e.data));
    expect(chunks[0]).toMatchObject({ type: "delta", content: "a " });
    expect(chunks.at(-1)).toMatchObject({ type: "error", error: { category: "timeout", code: "timeout" } });
  });
});

describe("retries and fallback", () => {
  it("retries a provider error and succeeds on the same provider", async () => {
    openai.plan({ status: 502 }, { text: "second time lucky" });
    const res = await execute(chatBody({ provider: "e-retry" }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: "e-retry", content: "second time lucky" });
    expect(res.body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(["error", "ok"]);
  });

  it("falls back to the next provider of the request's list when the first keeps failing", async () => {
    openai.plan({ status: 500 }, { status: 500 });
    anthropic.plan({ text: "from the fallback" });
    const res = await execute(chatBody({ provider: "e-fallback", fallback: [{ provider: "anthropic", model: "claude-fallback" }] }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: "anthropic", model: "claude-fallback", content: "from the fallback" });
    expect(res.body.attempts.map((a: { provider: string; outcome: string }) => `${a.provider}:${a.outcome}`)).toEqual(["e-fallback:error", "e-fallback:error", "anthropic:ok"]);
    await gateway.flush();
    const rows = (await call(`${gateway.base}/api/usage/records?requestId=${res.body.id}`, { token: org.owner.token })).body.items;
    expect(rows.map((r: { provider: string; status: string }) => `${r.provider}:${r.status}`).sort()).toEqual(["anthropic:ok", "e-fallback:error", "e-fallback:error"]);
  });

  it("falls back along the org's configured list, for a stream too (before its first event)", async () => {
    openai.plan({ status: 500 }, { status: 500 });
    anthropic.plan({ text: "org fallback streamed" });
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ provider: "e-orgfallback" }));
    expect(res.status).toBe(200);
    const chunks = [];
    for await (const e of sseEvents(res)) chunks.push(JSON.parse(e.data));
    expect(chunks.at(-1)).toMatchObject({ type: "done", provider: "anthropic", model: "claude-org-fallback", content: "org fallback streamed" });
  });
});

describe("circuit breaker per provider", () => {
  const circuit = async () => {
    const res = await call(`${gateway.base}/api/integrations/providers`, { token: org.member.token });
    return res.body.items.find((p: { id: string }) => p.id === "flaky").circuit as string;
  };

  it("opens after repeated failures (fails fast without calling the provider), then closes after a successful trial", async () => {
    expect(await circuit()).toBe("closed");
    openai.plan({ status: 500 }, { status: 500 }, { status: 500 });
    expect((await execute(chatBody({ provider: "flaky", fallback: [] }))).status).toBe(502);
    const opened = await execute(chatBody({ provider: "flaky", fallback: [] }));
    expect(opened.status).toBe(503);
    expect(opened.body.error.details.category).toBe("provider");
    expect(calls(openai, "flaky-model")).toBe(3);
    expect(await circuit()).toBe("open");
    const fast = await execute(chatBody({ provider: "flaky", fallback: [] }));
    expect(fast.status).toBe(503);
    expect(calls(openai, "flaky-model")).toBe(3); // not called while open
    // With a fallback, an open circuit moves on at once.
    anthropic.plan({ text: "elsewhere" });
    expect((await execute(chatBody({ provider: "flaky", fallback: [{ provider: "anthropic" }] }))).body.provider).toBe("anthropic");

    // After the reset timeout (400 ms) the circuit lets one trial call through.
    await waitFor(async () => (await circuit()) === "half_open", 5_000, "the circuit to half-open");
    openai.plan({ text: "recovered" });
    const trial = await execute(chatBody({ provider: "flaky", fallback: [] }));
    expect(trial.status).toBe(200);
    expect(trial.body.content).toBe("recovered");
    expect(await circuit()).toBe("closed");
  });
});

describe("budgets", () => {
  it("refuses calls with 429 once the org's daily request budget is spent; only admins set budgets", async () => {
    const other = await makeOrg(identity);
    expect((await call(`${gateway.base}/api/integrations/budgets`, { method: "PUT", token: other.member.token, json: { dailyRequests: 1 } })).status).toBe(403);
    const put = await call(`${gateway.base}/api/integrations/budgets`, { method: "PUT", token: other.owner.token, json: { dailyRequests: 2 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ orgId: other.orgId, principalId: null, dailyRequests: 2, dailyTokens: null, usedToday: { requests: 0 } });
    for (let i = 0; i < 2; i++) expect((await execute(chatBody(), other.member.token)).status).toBe(200);
    const refused = await execute(chatBody(), other.owner.token);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limited", details: { category: "rate_limit", budget: { scope: "org", kind: "requests", limit: 2, used: 2 } } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(openai.requests).toHaveLength(2);
    const listed = await call(`${gateway.base}/api/integrations/budgets`, { token: other.owner.token });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: put.body.id, usedToday: { tokens: expect.any(Number), requests: 2 } })]);
    // Lifting the budget lets calls through again.
    expect((await call(`${gateway.base}/api/integrations/budgets/${put.body.id}`, { method: "DELETE", token: other.owner.token })).status).toBe(204);
    expect((await execute(chatBody(), other.member.token)).status).toBe(200);
  });

  it("refuses one principal whose daily token budget is spent while others of the org go on", async () => {
    const third = await makeOrg(identity);
    expect((await call(`${gateway.base}/api/integrations/budgets`, { method: "PUT", token: third.owner.token, json: { principalId: third.member.id, dailyTokens: 5 } })).status).toBe(200);
    openai.plan({ usage: { prompt: 8, completion: 2 } });
    expect((await execute(chatBody(), third.member.token)).status).toBe(200);
    const refused = await execute(chatBody(), third.member.token);
    expect(refused.status).toBe(429);
    expect(refused.body.error.details.budget).toMatchObject({ scope: "principal", kind: "tokens", limit: 5, used: 10 });
    expect((await execute(chatBody(), third.owner.token)).status).toBe(200);
  });
});
