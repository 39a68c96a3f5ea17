// bench/models: tokens/s of the models service (HTTP → slot → worker process → llama.cpp) against
// node-llama-cpp called in-process, on the same GGUF (the looping test model, which generates until
// max_tokens) with one thread. Run: npm run bench -- models (BENCH_TOKENS, default 512). Prints
// figures; asserts nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnIdentity } from "@symbia/id/testing";
import { getLlama, LlamaChatSession } from "node-llama-cpp";
import { median, row, start } from "../lib/report.js";
import { createApp } from "../../models/src/app.js";
import { loadConfig } from "../../models/src/config.js";
import { buildDeps } from "../../models/src/deps.js";
import { writeTestModel } from "../../models/src/test-model/test-model.js";

const bench = start("models");
const maxTokens = Number(process.env.BENCH_TOKENS ?? 512);
const runs = 3;

const dir = await mkdtemp(join(tmpdir(), "models-bench-"));
const modelPath = join(dir, "symbia-tiny-test-loop.gguf");
await writeTestModel(modelPath, { name: "symbia-tiny-test-loop", loop: true });

// In-process: what the worker does, without HTTP, IPC or the slot queue. Run before and after the
// service (the machine is shared), the median of both rounds is the baseline.
const inProcess: number[] = [];
async function inProcessRuns(): Promise<void> {
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, progressLogs: false });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 2048, threads: 1 });
  for (let i = 0; i <= runs; i++) {
    const sequence = context.getSequence();
    const session = new LlamaChatSession({ contextSequence: sequence });
    let tokens = 0;
    const t0 = performance.now();
    // As the worker generates: no repetition penalty (OpenAI semantics).
    await session.prompt("hi", { maxTokens, temperature: 1, repeatPenalty: false, onToken: (t) => (tokens += t.length) });
    const seconds = (performance.now() - t0) / 1000;
    if (i > 0) inProcess.push(tokens / seconds); // run 0 warms up
    session.dispose();
    sequence.dispose();
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}
await inProcessRuns();

// The service, as `npm start` builds it, trusting a real identity.
const identity = await spawnIdentity();
const viaService: number[] = [];
const inWorker: number[] = [];
try {
  const admin = await identity.registerUser({ orgName: "Bench" });
  const config = loadConfig({
    MODELS_DIR: dir,
    MODELS_PORT: "0",
    LOG_LEVEL: "warn",
    SHUTDOWN_DELAY_MS: "0",
    RATE_LIMIT_POINTS: "0",
    MODELS_CONTEXT_SIZE: "2048",
    MODELS_SLOTS: "1",
    IDENTITY_SERVICE_URL: identity.url,
    IDENTITY_ISSUER: identity.issuer,
    MODELS_SERVICE_SECRET: identity.serviceSecrets.models!,
  });
  const deps = await buildDeps(config);
  const server = createApp(deps);
  await server.listen(0, "127.0.0.1");
  try {
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.url()}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
        body: JSON.stringify({ model: "symbia-tiny-test-loop", messages: [{ role: "user", content: "hi" }], max_tokens: maxTokens }),
      });
      const body = (await res.json()) as { usage: { completion_tokens: number } };
      const seconds = (performance.now() - t0) / 1000;
      if (i === 0) continue; // run 0 loads the model into its worker
      viaService.push(body.usage.completion_tokens / seconds);
      const metrics = await (await fetch(`${server.url()}/metrics`)).text();
      const m = /^models_tokens_per_second\{[^}]*model="symbia-tiny-test-loop"[^}]*\} (\S+)$/m.exec(metrics);
      if (m) inWorker.push(Number(m[1]));
    }
  } finally {
    await server.shutdown("bench end");
  }
} finally {
  await identity.stop();
}
await inProcessRuns();
await rm(dir, { recursive: true, force: true });

const label = "node-llama-cpp in-process, same GGUF";
bench.finish(
  {
    model: `${modelPath.split("/").pop()} (the looping test model: generates until max_tokens)`,
    tokensPerGeneration: maxTokens,
    runs: `median of ${runs} after one warm-up, 1 thread; in-process before and after the service, median of both`,
    path: "POST /v1/chat/completions → slot → worker process → llama.cpp, against the same generation in this process",
  },
  [
    row("tokens/s through the service over HTTP (whole request)", median(viaService), "tokens/s", median(inProcess), label),
    inWorker.length
      ? row("tokens/s as measured inside the service's worker", median(inWorker), "tokens/s", median(inProcess), label, "models_tokens_per_second metric")
      : row("tokens/s as measured inside the service's worker", null, "tokens/s", median(inProcess), label, "not measured: the metric was absent"),
  ],
  { inProcess, viaService, inWorker },
);
