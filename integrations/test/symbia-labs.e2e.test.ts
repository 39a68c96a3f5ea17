import type { IdentityProcess } from "@symbia/id/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, chatBody, makeOrg, sseEvents, startGateway, startIdentity, streamExecute, waitFor, type Gateway, type TestOrg } from "./fixture.js";
import { spawnModels, TEST_MODEL_SENTENCE, type ModelsProcess } from "./models-process.js";

// integrations → models end to end: the real models service (child process, real llama.cpp
// inference on its generated test GGUF) as the symbia-labs provider, reached through the openai SDK
// with the integrations service principal's token, and a real identity service.
let identity: IdentityProcess;
let models: ModelsProcess;
let gateway: Gateway;
let org: TestOrg;

beforeAll(async () => {
  identity = await startIdentity();
  models = await spawnModels(identity);
  gateway = await startGateway(identity, { MODELS_SERVICE_URL: models.url, INTEGRATIONS_DEFAULT_PROVIDER: "symbia-labs", INTEGRATIONS_TIMEOUT_MS: "60000" });
  org = await makeOrg(identity);
}, 120_000);
afterAll(async () => {
  await gateway?.close();
  await models?.stop();
  await identity?.stop();
});

describe("symbia-labs (the models service)", () => {
  it("answers a chat with the test model's known sentence and its token usage", async () => {
    const res = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody({ params: { messages: [{ role: "user", content: "hi" }], temperature: 0 } }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: "symbia-labs", model: "symbia-tiny-test", content: TEST_MODEL_SENTENCE, finishReason: "stop" });
    expect(res.body.usage.completionTokens).toBe(14);
    expect(res.body.usage.promptTokens).toBeGreaterThan(0);
    expect(res.body.usage.estimated).toBeUndefined();
  }, 60_000);

  it("streams it, with usage in the done chunk", async () => {
    const res = await streamExecute(gateway.base, org.member.token, chatBody());
    const chunks = [];
    for await (const e of sseEvents(res)) chunks.push(JSON.parse(e.data));
    expect(chunks.filter((c) => c.type === "delta").map((c) => c.content).join("")).toBe(TEST_MODEL_SENTENCE);
    expect(chunks.at(-1)).toMatchObject({ type: "done", finishReason: "stop", usage: { completionTokens: 14 } });
  }, 60_000);

  it("serves the official openai client through the gateway's /v1 (symbia-labs/<model>)", async () => {
    const client = new OpenAI({ apiKey: org.member.token, baseURL: `${gateway.base}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: "symbia-labs/symbia-tiny-test", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe(TEST_MODEL_SENTENCE);
    let text = "";
    for await (const chunk of await client.chat.completions.create({ model: "symbia-labs/symbia-tiny-test", messages: [{ role: "user", content: "hi" }], stream: true })) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(TEST_MODEL_SENTENCE);
  }, 60_000);

  it("cancels a long generation on the models service: the run's cancel reaches llama.cpp", async () => {
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ model: "symbia-tiny-test-loop", runId: "run-labs", params: { messages: [{ role: "user", content: "go" }], maxTokens: 100_000 } }));
    const chunks: any[] = [];
    for await (const e of sseEvents(res)) {
      chunks.push(JSON.parse(e.data));
      if (chunks.length === 20) expect((await call(`${gateway.base}/api/integrations/runs/run-labs/cancel`, { token: org.member.token, json: {} })).body.cancelled).toBe(1);
    }
    expect(chunks.at(-1)).toMatchObject({ type: "done", finishReason: "cancelled" });
    // The models service counted the generation as cancelled (its /metrics needs no token).
    await waitFor(async () => {
      const metrics = await (await fetch(`${models.url}/metrics`)).text();
      return /models_requests_total\{[^}]*outcome="cancelled"[^}]*\} [1-9]/.test(metrics);
    }, 5_000, "the models service to count a cancelled request");
    await gateway.flush();
    const rows = await call(`${gateway.base}/api/usage/records?runId=run-labs`, { token: org.owner.token });
    expect(rows.body.items[0]).toMatchObject({ provider: "symbia-labs", status: "cancelled" });
    expect(rows.body.items[0].completionTokens).toBeGreaterThanOrEqual(19);
  }, 60_000);
});
