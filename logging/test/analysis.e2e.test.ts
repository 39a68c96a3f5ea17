import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ago, call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "./harness.js";
import { spawnModels, spawnProgram, TEST_MODEL_SENTENCE, type ServiceProcess } from "./programs.js";

// Logging's AI analysis against the real integrations gateway and the real models service (its
// built-in test model, real llama.cpp inference): the contract logging speaks is integrations'
// own (`@symbia/integrations-service/api`), end to end.
let identity: IdentityProcess;
let models: ServiceProcess;
let integrations: ServiceProcess;
let logging: TestLogging;
let cast: Cast;
const traceId = randomBytes(16).toString("hex");

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  models = await spawnModels(identity, { MODELS_CONTEXT_SIZE: "4096" });
  integrations = await spawnProgram("integrations", identity, { MODELS_SERVICE_URL: models.url, INTEGRATIONS_MODEL_CONFIG: "env", INTEGRATIONS_TIMEOUT_MS: "60000", INTEGRATIONS_LEDGER_FLUSH_MS: "10" });
  logging = await startLogging(identity, { env: { INTEGRATIONS_SERVICE_URL: integrations.url, ANALYSIS_PROVIDER: "symbia-labs", ANALYSIS_MODEL: "symbia-tiny-test" } });
  const ingested = await call(`${logging.url}/api/ingest`, {
    token: cast.alice.token,
    json: {
      logs: [
        { id: "e2e-line-001", service: "checkout", level: "info", message: "checkout started", traceId, timestamp: ago(5000) },
        { id: "e2e-line-002", service: "assistants", level: "error", message: "LLM call failed: 429", traceId, timestamp: ago(4000) },
      ],
    },
  });
  expect(ingested.status).toBe(201);
}, 180_000);
afterAll(async () => {
  await logging?.close();
  await integrations?.stop();
  await models?.stop();
  await identity?.stop();
});

describe("AI analysis through the real integrations and models services", () => {
  it("summarizes a trace with the test model, reporting its provider, model and token usage", async () => {
    const res = await call(`${logging.url}/api/analysis/summarize`, { token: cast.alice.token, json: { traceId } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ summary: TEST_MODEL_SENTENCE, provider: "symbia-labs", model: "symbia-tiny-test", evidence: { logs: 2, spans: 0, truncated: false }, citations: [] });
    expect(res.body.usage.outputTokens).toBe(14);
    expect(res.body.usage.inputTokens).toBeGreaterThan(0);
    // Integrations billed the call to the requester, in the requester's org.
    // (Its ledger is written off the request path: wait for the row.)
    let usage = await call(`${integrations.url}/api/usage/records?limit=5`, { token: cast.alice.token });
    for (let i = 0; i < 100 && usage.status === 200 && usage.body.items.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      usage = await call(`${integrations.url}/api/usage/records?limit=5`, { token: cast.alice.token });
    }
    expect(usage.status).toBe(200);
    expect(usage.body.items[0]).toMatchObject({ provider: "symbia-labs", model: "symbia-tiny-test", principalId: cast.alice.principal.id, orgId: cast.alice.orgId, status: "ok" });
  }, 90_000);

  it("investigates a question over a time range", async () => {
    const res = await call(`${logging.url}/api/analysis/investigate`, { token: cast.carol.token, json: { question: "Why did checkout fail?", from: ago(60_000), to: ago(0) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ summary: TEST_MODEL_SENTENCE, provider: "symbia-labs", model: "symbia-tiny-test" });
  }, 90_000);

  it("refuses bad input, and gives another org's reader nothing of this trace", async () => {
    const bad = await call(`${logging.url}/api/analysis/summarize`, { token: cast.alice.token, json: { traceId: "not a trace id!" } });
    expect(bad.status).toBe(400);
    const other = await call(`${logging.url}/api/analysis/summarize`, { token: cast.bob.token, json: { traceId } });
    expect(other.status).toBe(200);
    expect(other.body.evidence).toEqual({ logs: 0, spans: 0, truncated: false });
    expect(other.body.model).toBe("symbia-tiny-test");
  });

  it("passes integrations' refusal on as 502 (an unknown model)", async () => {
    const res = await call(`${logging.url}/api/analysis/summarize`, { token: cast.alice.token, json: { traceId, model: "no-such-model" } });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("bad_gateway");
  }, 60_000);
});
