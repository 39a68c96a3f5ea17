import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOOP, SENTENCE, TINY, call, makeModelsDir, metricValue, sseData, startService, stopIdentity, streamChat, waitFor, type RunningService } from "./fixture.js";

// One slot and a queue of one, on the looping test model: a generation runs until it is cancelled.
let cleanup: () => Promise<void>;
let svc: RunningService;
let dir: string;

beforeAll(async () => {
  const made = await makeModelsDir();
  cleanup = made.cleanup;
  dir = made.dir;
  svc = await startService(made.dir, { MODELS_SLOTS: "1", MODELS_QUEUE_SIZE: "1" });
  expect((await call(`${svc.base}/api/models/${LOOP}/load`, { json: {} })).body.status).toBe("ready");
}, 120_000);
afterAll(async () => {
  await svc?.close();
  await stopIdentity();
  await cleanup?.();
});

const runtime = async (model = LOOP) => (await call(`${svc.base}/api/models/${model}`)).body.runtime;
const metrics = async () => (await call(`${svc.base}/metrics`, { token: null })).body as string;
const generated = async () => metricValue(await metrics(), "models_completion_tokens_total", { model: LOOP }) ?? 0;

/** Starts an endless streamed generation and waits until its first text arrives. */
async function busyStream(controller: AbortController) {
  const res = await streamChat(svc.base, { model: LOOP, max_tokens: 100_000 }, controller.signal);
  expect(res.status).toBe(200);
  const events = sseData(res);
  let text = "";
  while (!text) text += (await events.next()).value?.choices?.[0]?.delta?.content ?? "";
  return { res, events };
}

describe("cancelling a streamed completion", () => {
  it("stops the generation when the client disconnects mid-stream, and frees the slot", async () => {
    const before = await generated();
    const controller = new AbortController();
    const { events } = await busyStream(controller);
    let received = "";
    for (let i = 0; i < 5; i++) received += (await events.next()).value?.choices?.[0]?.delta?.content ?? "";
    expect(SENTENCE.repeat(3)).toContain(received);
    controller.abort();

    await waitFor(async () => (await runtime()).slotsInUse === 0, 3_000, "the slot to free");
    const text = await metrics();
    expect(metricValue(text, "models_requests_total", { model: LOOP, operation: "chat", outcome: "cancelled" })).toBe(1);
    // Generation has stopped: the token count no longer moves, far below max_tokens.
    const afterCancel = await generated();
    await new Promise((r) => setTimeout(r, 300));
    expect(await generated()).toBe(afterCancel);
    expect(afterCancel - before).toBeGreaterThan(0);
    expect(afterCancel - before).toBeLessThan(5_000);
  });

  it("serves the next request on the freed slot", async () => {
    const res = await call(`${svc.base}/v1/chat/completions`, { json: { model: LOOP, messages: [{ role: "user", content: "again" }], max_tokens: 3 } });
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toBe("Hello from Symbia.");
  });
});

describe("slots and the bounded queue", () => {
  it("queues a request while the slot is busy, answers 429 with Retry-After when the queue is full, then serves the queued one", async () => {
    const controller = new AbortController();
    await busyStream(controller);
    const queued = call(`${svc.base}/v1/chat/completions`, { json: { model: LOOP, messages: [{ role: "user", content: "queued" }], max_tokens: 4 } });
    await waitFor(async () => (await runtime()).queueDepth === 1, 3_000, "the request to queue");
    expect(metricValue(await metrics(), "models_queue_depth", { model: LOOP })).toBe(1);
    expect(metricValue(await metrics(), "models_slots_in_use", { model: LOOP })).toBe(1);

    const refused = await call(`${svc.base}/v1/chat/completions`, { json: { model: LOOP, messages: [{ role: "user", content: "one too many" }] } });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limited", details: { model: LOOP, slots: 1, queueLimit: 1 } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(metricValue(await metrics(), "models_rejected_total", { model: LOOP, reason: "queue_full" })).toBe(1);

    controller.abort(); // frees the slot: the queued request runs
    const served = await queued;
    expect(served.status).toBe(200);
    expect(served.body.choices[0]).toMatchObject({ finish_reason: "length" });
    expect(served.body.usage.completion_tokens).toBe(4);
  });

  it("takes a request out of the queue when its client leaves", async () => {
    const busy = new AbortController();
    await busyStream(busy);
    const leaving = new AbortController();
    const gone = streamChat(svc.base, { model: LOOP, max_tokens: 5 }, leaving.signal).catch((e: unknown) => e);
    await waitFor(async () => (await runtime()).queueDepth === 1, 3_000, "the request to queue");
    leaving.abort();
    expect(await gone).toBeInstanceOf(Error);
    await waitFor(async () => (await runtime()).queueDepth === 0, 3_000, "the queue to empty");
    expect((await runtime()).slotsInUse).toBe(1); // the busy generation goes on
    busy.abort();
    await waitFor(async () => (await runtime()).slotsInUse === 0, 3_000, "the slot to free");
  });
});

// A restart starts a new worker process and loads the model again: seconds on a busy machine.
describe("a model worker that crashes", { timeout: 120_000 }, () => {
  it("fails the in-flight request with 503, keeps the service up, restarts the worker and serves the next request", async () => {
    const before = await runtime();
    const inFlight = call(`${svc.base}/v1/chat/completions`, { json: { model: LOOP, messages: [{ role: "user", content: "x" }], max_tokens: 100_000 } });
    await waitFor(async () => (await runtime()).slotsInUse === 1, 3_000, "the generation to start");
    process.kill(before.workerPid, "SIGKILL"); // what a native abort in llama.cpp does to the process

    const failed = await inFlight;
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe("unavailable");
    expect(failed.body.error.message).toMatch(/worker process stopped during the request \(signal SIGKILL\); it is being restarted/);
    expect(failed.headers.get("retry-after")).toBe("1");

    expect((await call(`${svc.base}/health`, { token: null })).status).toBe(200);
    const next = await call(`${svc.base}/v1/chat/completions`, { json: { model: LOOP, messages: [{ role: "user", content: "after the crash" }], max_tokens: 3 } });
    expect(next.status).toBe(200); // waited for the restart
    expect(next.body.choices[0].message.content).toBe("Hello from Symbia.");
    const after = await runtime();
    expect(after).toMatchObject({ restarts: 1, slotsInUse: 0 });
    expect(after.workerPid).not.toBe(before.workerPid);
    expect(after.lastError).toMatch(/SIGKILL/);
    expect(metricValue(await metrics(), "models_worker_restarts_total", { model: LOOP })).toBe(1);
  });

  it("fails a stream that already began with an error event and no [DONE]", async () => {
    const controller = new AbortController();
    const { events } = await busyStream(controller);
    process.kill((await runtime()).workerPid, "SIGKILL");
    const rest = [];
    for (let e = await events.next(); !e.done; e = await events.next()) rest.push(e.value);
    expect(rest).not.toContain("[DONE]");
    expect(rest.at(-1)).toMatchObject({ error: { code: "unavailable" } });
    await waitFor(async () => (await runtime()).workerPid && (await runtime()).restarts === 2, 60_000, "the second restart");
    // Other models are unaffected by one model's worker.
    const tiny = await call(`${svc.base}/v1/chat/completions`, { json: { model: TINY, messages: [{ role: "user", content: "hi" }] } });
    expect(tiny.body.choices[0].message.content).toBe(SENTENCE);
  });

  it("marks a model failed after MODELS_MAX_RESTARTS crashes (503 naming the way out) until it is loaded again", async () => {
    const strict = await startService(dir, { MODELS_MAX_RESTARTS: "0" });
    try {
      const loaded = (await call(`${strict.base}/api/models/${TINY}/load`, { json: {} })).body;
      process.kill(loaded.runtime.workerPid, "SIGKILL");
      const failed = await waitFor(async () => {
        const info = (await call(`${strict.base}/api/models/${TINY}`)).body;
        return info.status === "failed" ? info : null;
      }, 5_000, "the model to be marked failed");
      expect(failed.runtime).toMatchObject({ workerPid: null, restarts: 0 });
      const refused = await call(`${strict.base}/v1/chat/completions`, { json: { model: TINY, messages: [{ role: "user", content: "hi" }] } });
      expect(refused.status).toBe(503);
      expect(refused.body.error.message).toMatch(/failed: worker process ended \(signal SIGKILL\); load it again with POST \/api\/models\/symbia-tiny-test\/load/);
      expect((await call(`${strict.base}/api/models/${TINY}/load`, { json: {} })).body.status).toBe("ready");
      expect((await call(`${strict.base}/v1/chat/completions`, { json: { model: TINY, messages: [{ role: "user", content: "hi" }] } })).body.choices[0].message.content).toBe(SENTENCE);
    } finally {
      await strict.close();
    }
  });
});
