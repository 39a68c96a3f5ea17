import { createHash } from "node:crypto";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOOP, SENTENCE, TINY, call, makeModelsDir, metricValue, sseData, startService, stopIdentity, streamChat, tokens, type RunningService } from "./fixture.js";

// Tests that start worker processes: a start takes seconds, more on a busy machine.
const WORKER_START_TIMEOUT = 120_000;

let dir: string;
let cleanup: () => Promise<void>;
let svc: RunningService;

beforeAll(async () => {
  ({ dir, cleanup } = await makeModelsDir());
  svc = await startService(dir, { MODELS_SLOTS: "2", MODELS_QUEUE_SIZE: "4" });
}, 90_000);
afterAll(async () => {
  await svc?.close();
  await stopIdentity();
  await cleanup?.();
});

const chat = (model: string, extra: Record<string, unknown> = {}) => call(`${svc.base}/v1/chat/completions`, { json: { model, messages: [{ role: "user", content: "hi" }], ...extra } });

describe("authentication", () => {
  it("answers 401 without a token or with an unknown one, on every API route", async () => {
    for (const [method, path] of [
      ["GET", "/api/models"],
      ["GET", `/api/models/${TINY}`],
      ["POST", `/api/models/${TINY}/load`],
      ["POST", `/api/models/${TINY}/unload`],
      ["GET", "/v1/models"],
      ["POST", "/v1/chat/completions"],
      ["POST", "/v1/embeddings"],
    ] as const) {
      const none = await call(`${svc.base}${path}`, { method, token: null, ...(method === "POST" ? { json: {} } : {}) });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body.error.code).toBe("unauthenticated");
      const wrong = await call(`${svc.base}${path}`, { method, token: "not-a-token", ...(method === "POST" ? { json: {} } : {}) });
      expect(wrong.status, `${method} ${path}`).toBe(401);
    }
  });

  it("answers 403 to load and unload without cap:models.admin, and serves health without a token", async () => {
    const load = await call(`${svc.base}/api/models/${TINY}/load`, { json: {}, token: tokens.infer });
    expect(load.status).toBe(403);
    expect(load.body.error).toMatchObject({ code: "forbidden", details: { entitlement: "cap:models.admin" } });
    const list = await call(`${svc.base}/api/models`, { token: tokens.infer });
    expect(list.status).toBe(200);
    expect((await call(`${svc.base}/health`, { token: null })).status).toBe(200);
    expect((await call(`${svc.base}/health/ready`, { token: null })).body.status).toBe("ready");
  });
});

describe("GET /api/models", () => {
  it("lists the GGUF files with size, SHA-256, architecture and context length", async () => {
    const res = await call(`${svc.base}/api/models`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((m: { id: string }) => m.id)).toEqual([TINY, LOOP]);
    const tiny = res.body.items[0];
    const bytes = await readFile(join(dir, `${TINY}.gguf`));
    expect(tiny).toMatchObject({
      id: TINY,
      file: `${TINY}.gguf`,
      sizeBytes: (await stat(join(dir, `${TINY}.gguf`))).size,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      architecture: "llama",
      name: TINY,
      contextLength: 4096,
      embeddingLength: 64,
      quantization: "F32",
      hasChatTemplate: true,
      capabilities: { chat: true, embeddings: true },
      status: "available",
      runtime: null,
    });
    expect(JSON.stringify(res.body)).not.toContain(dir); // file paths stay on the server
  });

  it("answers 404 for a model that is not in the directory", async () => {
    const res = await call(`${svc.base}/api/models/no-such-model`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("POST /api/models/:id/load and /unload", { timeout: WORKER_START_TIMEOUT }, () => {
  it("loads the test GGUF into a worker process, idempotently", async () => {
    const res = await call(`${svc.base}/api/models/${TINY}/load`, { json: {} });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ready");
    expect(res.body.runtime).toMatchObject({ slots: 2, slotsInUse: 0, queueDepth: 0, queueLimit: 4, chatWrapper: "ChatML", restarts: 0 });
    expect(res.body.runtime.workerPid).toBeGreaterThan(0);
    expect(res.body.runtime.workerPid).not.toBe(process.pid);
    expect(res.body.runtime.rssBytes).toBeGreaterThan(0);
    const again = await call(`${svc.base}/api/models/${TINY}/load`, { json: {} });
    expect(again.body.runtime.workerPid).toBe(res.body.runtime.workerPid);
  });

  it("unloads a model (its worker exits) and autoloads it again on the next inference request", async () => {
    await call(`${svc.base}/api/models/${LOOP}/load`, { json: {} });
    const pid = (await call(`${svc.base}/api/models/${LOOP}`)).body.runtime.workerPid as number;
    const res = await call(`${svc.base}/api/models/${LOOP}/unload`, { json: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "available", runtime: null });
    expect(() => process.kill(pid, 0)).toThrow(); // the worker process is gone
    const reply = await chat(LOOP, { max_tokens: 3 });
    expect(reply.status).toBe(200);
    expect(reply.body.choices[0]).toMatchObject({ message: { content: "Hello from Symbia." }, finish_reason: "length" });
    expect((await call(`${svc.base}/api/models/${LOOP}`)).body.status).toBe("ready");
  });

  it("rejects a load body with bad settings (400) and changes nothing", async () => {
    const res = await call(`${svc.base}/api/models/${TINY}/load`, { json: { slots: 0 } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe("body.slots");
  });
});

describe("POST /v1/chat/completions", () => {
  it("generates the test model's known sentence with usage", async () => {
    const res = await chat(TINY, { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Who are you?" }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: "chat.completion", model: TINY, choices: [{ index: 0, message: { role: "assistant", content: SENTENCE }, finish_reason: "stop" }] });
    expect(res.body.id).toMatch(/^chatcmpl-/);
    expect(res.body.usage.completion_tokens).toBe(14);
    expect(res.body.usage.prompt_tokens).toBeGreaterThan(5);
    expect(res.body.usage.total_tokens).toBe(res.body.usage.prompt_tokens + 14);
  });

  it("streams chat.completion.chunk events whose deltas join to the sentence, then [DONE]", async () => {
    const res = await streamChat(svc.base, { model: TINY, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = [];
    for await (const data of sseData(res)) events.push(data);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const text = chunks.flatMap((c) => c.choices.map((ch: { delta: { content?: string } }) => ch.delta.content ?? "")).join("");
    expect(text).toBe(SENTENCE);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(5); // really streamed
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 14 } });
  });

  it("stops at max_tokens with finish_reason length", async () => {
    const res = await chat(TINY, { max_tokens: 2 });
    expect(res.body.choices[0]).toMatchObject({ message: { content: "Hello from" }, finish_reason: "length" });
    expect(res.body.usage.completion_tokens).toBe(2);
  });

  it("answers 400 for unsupported features, 404 for an unknown model", async () => {
    const tools = await chat(TINY, { tools: [{ type: "function", function: { name: "f" } }] });
    expect(tools.status).toBe(400);
    expect(tools.body.error.details.issues[0].path).toBe("body.tools");
    const image = await chat(TINY, { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x" } }] }] });
    expect(image.status).toBe(400);
    expect(image.body.error.details.issues[0].path).toBe("body.messages.0.content.0.type");
    const noMessages = await chat(TINY, { messages: [] });
    expect(noMessages.status).toBe(400);
    const unknown = await chat("no-such-model");
    expect(unknown.status).toBe(404);
  });
});

describe("POST /v1/embeddings", () => {
  it("embeds texts deterministically, as floats or base64", async () => {
    const res = await call(`${svc.base}/v1/embeddings`, { json: { model: TINY, input: ["The quick brown fox", "The quick brown fox", "Something else!"] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: "list", model: TINY });
    const [a, b, c] = res.body.data.map((d: { embedding: number[] }) => d.embedding);
    expect(a).toHaveLength(64);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(res.body.usage.prompt_tokens).toBeGreaterThan(0);
    const b64 = await call(`${svc.base}/v1/embeddings`, { json: { model: TINY, input: "The quick brown fox", encoding_format: "base64" } });
    const bytes = Buffer.from(b64.body.data[0].embedding, "base64");
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    expect(decoded).toEqual(a);
  });

  it("answers 400 for empty input, other dimensions, or a text longer than the context", async () => {
    expect((await call(`${svc.base}/v1/embeddings`, { json: { model: TINY, input: "" } })).status).toBe(400);
    expect((await call(`${svc.base}/v1/embeddings`, { json: { model: TINY, input: "x", dimensions: 8 } })).status).toBe(400);
    const tooLong = await call(`${svc.base}/v1/embeddings`, { json: { model: TINY, input: "word ".repeat(5_000) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/longer than the usable context size/);
  });
});

describe("the official openai client against /v1", () => {
  const client = () => new OpenAI({ baseURL: `${svc.base}/v1`, apiKey: tokens.admin, maxRetries: 0 });

  it("lists models and completes a chat", async () => {
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual([TINY, LOOP]);
    expect(await client().models.retrieve(TINY)).toMatchObject({ id: TINY, object: "model", owned_by: "symbia-labs" });
    const completion = await client().chat.completions.create({ model: TINY, messages: [{ role: "user", content: "Hello?" }] });
    expect(completion.choices[0]?.message.content).toBe(SENTENCE);
    expect(completion.usage?.completion_tokens).toBe(14);
  });

  it("streams a chat", async () => {
    const stream = await client().chat.completions.create({ model: TINY, messages: [{ role: "user", content: "Stream please" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null | undefined;
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(SENTENCE);
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBe(14);
  });

  it("creates embeddings (the client asks for base64 and decodes it)", async () => {
    const res = await client().embeddings.create({ model: TINY, input: "The quick brown fox" });
    expect(res.data[0]?.embedding).toHaveLength(64);
  });

  it("raises the service's 401 as an AuthenticationError", async () => {
    const bad = new OpenAI({ baseURL: `${svc.base}/v1`, apiKey: "wrong", maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: TINY, messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 401 });
  });
});

describe("GET /metrics", () => {
  it("reports tokens, tokens/s, slots and queue per model", async () => {
    await chat(TINY);
    const text = (await call(`${svc.base}/metrics`, { token: null })).body as string;
    expect(metricValue(text, "models_completion_tokens_total", { model: TINY })).toBeGreaterThanOrEqual(14 * 4);
    expect(metricValue(text, "models_tokens_per_second", { model: TINY })).toBeGreaterThan(0);
    expect(metricValue(text, "models_slots", { model: TINY })).toBe(2);
    expect(metricValue(text, "models_slots_in_use", { model: TINY })).toBe(0);
    expect(metricValue(text, "models_queue_depth", { model: TINY })).toBe(0);
    expect(metricValue(text, "models_requests_total", { model: TINY, operation: "chat", outcome: "ok" })).toBeGreaterThanOrEqual(4);
    expect(metricValue(text, "models_memory_estimated_bytes", { model: TINY })).toBeGreaterThan(0);
    expect(text).toContain("http_request_duration_seconds"); // the server's own metrics are on the same registry
  });
});

describe("GET /docs/openapi.json", () => {
  it("documents the OpenAI-compatible and admin routes with their entitlements", async () => {
    const { body } = await call(`${svc.base}/docs/openapi.json`, { token: null });
    expect(body.paths["/v1/chat/completions"].post["x-entitlement"]).toBe("cap:models.infer");
    expect(body.paths["/v1/embeddings"].post["x-entitlement"]).toBe("cap:models.infer");
    expect(body.paths["/api/models/{id}/load"].post["x-entitlement"]).toBe("cap:models.admin");
    expect(body.paths["/api/models/{id}/unload"].post["x-entitlement"]).toBe("cap:models.admin");
    expect(body.paths["/v1/models"].get.security).toEqual([{ bearerAuth: [] }]);
    expect(body.paths["/health"].get.security).toEqual([]);
  });
});

describe("memory limit", { timeout: WORKER_START_TIMEOUT }, () => {
  it("refuses a load beyond MODELS_MEMORY_LIMIT_BYTES with 409, and evicts an idle model when asked", async () => {
    const estimate = (await call(`${svc.base}/api/models/${TINY}`)).body.runtime.estimatedMemoryBytes as number;
    const small = await startService(dir, { MODELS_MEMORY_LIMIT_BYTES: String(Math.floor(estimate * 1.5)), MODELS_AUTOLOAD: "false" });
    try {
      expect((await call(`${small.base}/api/models/${TINY}/load`, { json: {} })).status).toBe(200);
      const refused = await call(`${small.base}/api/models/${LOOP}/load`, { json: {} });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: "conflict", details: { model: LOOP, loaded: [TINY] } });
      expect((await call(`${small.base}/api/models/${LOOP}`)).body.status).toBe("available");
      const notLoaded = await call(`${small.base}/v1/chat/completions`, { json: { model: LOOP, messages: [{ role: "user", content: "x" }] } });
      expect(notLoaded.status).toBe(409); // autoload is off
      const evicting = await call(`${small.base}/api/models/${LOOP}/load`, { json: { evictIdle: true } });
      expect(evicting.body.status).toBe("ready");
      expect((await call(`${small.base}/api/models/${TINY}`)).body.status).toBe("available");
    } finally {
      await small.close();
    }
  });
});

describe("models that cannot be loaded", { timeout: WORKER_START_TIMEOUT }, () => {
  it("lists a file that is not a GGUF with its error and refuses to load it (400)", async () => {
    await writeFile(join(dir, "broken.gguf"), "not a model");
    try {
      const listed = (await call(`${svc.base}/api/models/broken`)).body;
      expect(listed).toMatchObject({ id: "broken", architecture: null, capabilities: { chat: false, embeddings: false }, status: "available" });
      expect(listed.error).toMatch(/not a readable GGUF/);
      const load = await call(`${svc.base}/api/models/broken/load`, { json: {} });
      expect(load.status).toBe(400);
      const chatting = await chat("broken");
      expect(chatting.status).toBe(400);
      expect(chatting.body.error.message).toMatch(/does not support chat completions/);
    } finally {
      await rm(join(dir, "broken.gguf"));
    }
  });

  it("answers 400 with llama.cpp's reason when the worker cannot load a GGUF, and keeps serving", async () => {
    const bytes = await readFile(join(dir, `${TINY}.gguf`));
    const at = bytes.indexOf("llama", bytes.indexOf("general.architecture"));
    bytes.write("llamx", at); // an architecture llama.cpp does not know
    await writeFile(join(dir, "alien.gguf"), bytes);
    try {
      const load = await call(`${svc.base}/api/models/alien/load`, { json: {} });
      expect(load.status).toBe(400);
      expect(load.body.error.message).toMatch(/alien could not be loaded: .*unknown model architecture: 'llamx'/);
      expect((await call(`${svc.base}/api/models/alien`)).body.status).toBe("available");
      expect((await chat(TINY)).body.choices[0].message.content).toBe(SENTENCE);
    } finally {
      await rm(join(dir, "alien.gguf"));
    }
  });
});
