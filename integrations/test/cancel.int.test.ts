import type { IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cancelRun } from "../src/execute/execute.service.js";
import { startAnthropicWire } from "./wire/anthropic.js";
import { startHuggingFaceWire } from "./wire/huggingface.js";
import { startOpenAiWire } from "./wire/openai.js";
import type { WireServer } from "./wire/server.js";
import { call, chatBody, makeOrg, sseEvents, startGateway, startIdentity, streamExecute, waitFor, type Gateway, type TestOrg } from "./fixture.js";

// Cancellation: a run cancel or a client disconnect aborts the provider's request or stream (the
// local wire server sees its connection close within 1 s) and the partial usage lands in the ledger.
let identity: IdentityProcess;
let gateway: Gateway;
let org: TestOrg;
let openai: WireServer;
let anthropic: WireServer;
let hf: WireServer;
const LONG = { text: "tick tock ", deltas: 5_000, delayMs: 10 };

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

/** The ledger rows of a run, once they are written. */
async function runRows(runId: string, count = 1) {
  return waitFor(async () => {
    await gateway.flush();
    const res = await call(`${gateway.base}/api/usage/records?runId=${runId}`, { token: org.owner.token });
    return res.body.items.length >= count ? (res.body.items as any[]) : null;
  }, 5_000, `ledger rows of ${runId}`);
}

describe("POST /api/integrations/runs/:runId/cancel", () => {
  it("aborts a streaming run: the provider's stream closes within 1 s, the client gets done(cancelled), partial usage is recorded", async () => {
    openai.plan(LONG);
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ runId: "run-stream-1" }));
    const chunks: any[] = [];
    let cancelledAt = 0;
    for await (const e of sseEvents(res)) {
      chunks.push(JSON.parse(e.data));
      if (chunks.length === 5) {
        const cancel = await call(`${gateway.base}/api/integrations/runs/run-stream-1/cancel`, { token: org.member.token, json: {} });
        expect(cancel.body).toEqual({ runId: "run-stream-1", cancelled: 1 });
        cancelledAt = Date.now();
      }
    }
    const done = chunks.at(-1);
    expect(done).toMatchObject({ type: "done", finishReason: "cancelled", usage: { estimated: true } });
    expect(done.usage.completionTokens).toBeGreaterThanOrEqual(5);
    expect(done.usage.completionTokens).toBeLessThan(5_000);
    const disconnect = await waitFor(() => openai.disconnects[0], 2_000, "the provider to see the disconnect");
    expect(disconnect.at - cancelledAt).toBeLessThan(1_000);
    const [row] = await runRows("run-stream-1");
    expect(row).toMatchObject({ status: "cancelled", usageEstimated: true, stream: true, completionTokens: done.usage.completionTokens, principalId: org.member.id });
    expect(row.promptTokens).toBeGreaterThan(0);
  });

  it("aborts a whole (not streamed) call waiting on the provider: 200 with finishReason cancelled", async () => {
    openai.plan({ firstByteDelayMs: 20_000 });
    const pending = call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody({ runId: "run-whole-1" }) });
    await waitFor(() => openai.requests.length === 1, 5_000, "the provider to receive the call");
    const cancel = await call(`${gateway.base}/api/integrations/runs/run-whole-1/cancel`, { token: org.member.token, json: {} });
    const cancelledAt = Date.now();
    expect(cancel.body.cancelled).toBe(1);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ finishReason: "cancelled", content: null, runId: "run-whole-1" });
    const disconnect = await waitFor(() => openai.disconnects[0], 2_000, "the provider to see the disconnect");
    expect(disconnect.at - cancelledAt).toBeLessThan(1_000);
    const [row] = await runRows("run-whole-1");
    expect(row).toMatchObject({ status: "cancelled", usageEstimated: true, completionTokens: 0 });
  });

  it("cancels only the caller's org's calls; a service principal may cancel any run; unknown runs cancel nothing", async () => {
    anthropic.plan(LONG);
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ provider: "anthropic", runId: "run-guarded" }));
    const reader = sseEvents(res);
    await reader.next();
    const stranger = await identity.registerUser();
    expect((await call(`${gateway.base}/api/integrations/runs/run-guarded/cancel`, { token: stranger.token, json: {} })).body.cancelled).toBe(0);
    expect((await call(`${gateway.base}/api/integrations/runs/no-such-run/cancel`, { token: org.member.token, json: {} })).body.cancelled).toBe(0);
    const assistants = await identity.serviceLogin("assistants").getToken();
    expect((await call(`${gateway.base}/api/integrations/runs/run-guarded/cancel`, { token: assistants, json: {} })).body.cancelled).toBe(1);
    let last: any;
    for await (const e of reader) last = JSON.parse(e.data);
    expect(last).toMatchObject({ type: "done", finishReason: "cancelled", provider: "anthropic" });
    await waitFor(() => anthropic.disconnects.length === 1, 2_000, "the provider to see the disconnect");
  });

  it("cancelRun(runId) — the function the relay's cancel event calls — aborts every call of the run", async () => {
    hf.plan(LONG, LONG);
    const a = await streamExecute(gateway.base, org.member.token, { provider: "huggingface", operation: "generate", model: "gpt2-wire", params: { prompt: "go" }, runId: "run-relay" });
    const b = await streamExecute(gateway.base, org.owner.token, chatBody({ provider: "huggingface", model: "chat-wire", runId: "run-relay" }));
    const readers = [sseEvents(a), sseEvents(b)];
    await Promise.all(readers.map((r) => r.next()));
    const t0 = Date.now();
    expect(cancelRun(gateway.deps, "run-relay")).toBe(2);
    for (const reader of readers) {
      let last: any;
      for await (const e of reader) last = JSON.parse(e.data);
      expect(last).toMatchObject({ type: "done", finishReason: "cancelled" });
    }
    await waitFor(() => hf.disconnects.length === 2, 2_000, "both provider streams to close");
    expect(Math.max(...hf.disconnects.map((d) => d.at)) - t0).toBeLessThan(1_000);
    const rows = await runRows("run-relay", 2);
    expect(rows.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
  });
});

describe("client disconnect", () => {
  it("a stream aborted mid-way by its client: the provider sees the disconnect within 1 s and partial usage is in the ledger", async () => {
    anthropic.plan({ ...LONG, usage: { prompt: 42, completion: 1 } });
    const controller = new AbortController();
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ provider: "anthropic", runId: "run-disconnect" }), controller.signal);
    let deltas = 0;
    let abortedAt = 0;
    try {
      for await (const e of sseEvents(res)) {
        if (JSON.parse(e.data).type === "delta" && ++deltas === 4) {
          abortedAt = Date.now();
          controller.abort();
        }
      }
    } catch {
      /* the aborted read */
    }
    expect(abortedAt).toBeGreaterThan(0);
    const disconnect = await waitFor(() => anthropic.disconnects[0], 2_000, "the provider to see the disconnect");
    expect(disconnect.at - abortedAt).toBeLessThan(1_000);
    const [row] = await runRows("run-disconnect");
    expect(row).toMatchObject({ status: "cancelled", provider: "anthropic", promptTokens: 42, usageEstimated: true });
    expect(row.completionTokens).toBeGreaterThanOrEqual(4);
    expect(gateway.deps.runs.size).toBe(0);
  });

  it("a whole call whose client leaves is aborted upstream too", async () => {
    openai.plan({ firstByteDelayMs: 20_000 });
    const controller = new AbortController();
    const pending = call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody({ runId: "run-left" }), signal: controller.signal }).catch(() => null);
    await waitFor(() => openai.requests.length === 1, 5_000, "the provider to receive the call");
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    const disconnect = await waitFor(() => openai.disconnects[0], 2_000, "the provider to see the disconnect");
    expect(disconnect.at - abortedAt).toBeLessThan(1_000);
    const [row] = await runRows("run-left");
    expect(row.status).toBe("cancelled");
  });
});
