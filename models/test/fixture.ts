import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SymbiaServer } from "@symbia/http";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { buildDeps, type AppDeps } from "../src/deps.js";
import { DEFAULT_SENTENCE, ensureTestModel, writeTestModel } from "../src/test-model/test-model.js";

/** Id of the built-in test model (replies with {@link DEFAULT_SENTENCE}, 14 tokens). */
export const TINY = "symbia-tiny-test";
/** Id of the looping test model: repeats the sentence until max_tokens or a cancel (long generations). */
export const LOOP = "symbia-tiny-test-loop";
export const SENTENCE = DEFAULT_SENTENCE;

/** A temporary model directory holding the test model (written by `ensureTestModel`) and the looping one. */
export async function makeModelsDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "symbia-models-test-"));
  await ensureTestModel(dir);
  await writeTestModel(join(dir, `${LOOP}.gguf`), { name: LOOP, loop: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Bearer tokens of the test principals, issued by a real identity service (see {@link testIdentity}):
 * `admin` is the super admin (every entitlement, so cap:models.infer and cap:models.admin);
 * `infer` is a user owning an org, which holds cap:models.infer through its role but not
 * cap:models.admin (granted only explicitly).
 */
export const tokens = { admin: "", infer: "" };

let identity: Promise<IdentityProcess> | undefined;

/**
 * The identity service of this test file (a child process, started once), with the principals of
 * {@link tokens} registered. Stop it with {@link stopIdentity}.
 */
export function testIdentity(): Promise<IdentityProcess> {
  identity ??= (async () => {
    const started = await spawnIdentity();
    const admin = await started.registerUser({ orgName: "Platform" }); // the first user is the super admin
    const member = await started.registerUser();
    tokens.admin = admin.token;
    tokens.infer = member.token;
    return started;
  })();
  return identity;
}

/** Stops this test file's identity service. */
export async function stopIdentity(): Promise<void> {
  const started = identity;
  identity = undefined;
  await (await started)?.stop();
}

/** A running models service on a free port, built exactly as `index.ts` builds it (config from an env object). */
export interface RunningService {
  base: string;
  server: SymbiaServer;
  deps: AppDeps;
  close: () => Promise<void>;
}

/** Starts the service on `dir` trusting this file's identity service ({@link testIdentity}); `env` adds MODELS_* settings. */
export async function startService(dir: string, env: Record<string, string> = {}): Promise<RunningService> {
  const id = await testIdentity();
  const config = loadConfig({
    IDENTITY_SERVICE_URL: id.url,
    IDENTITY_ISSUER: id.issuer,
    MODELS_SERVICE_SECRET: id.serviceSecrets.models!,
    MODELS_DIR: dir,
    MODELS_PORT: "0",
    MODELS_HOST: "127.0.0.1",
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_DELAY_MS: "0",
    SHUTDOWN_GRACE_MS: "2000",
    RATE_LIMIT_POINTS: "0",
    MODELS_CONTEXT_SIZE: "2048",
    ...env,
  });
  const deps = await buildDeps(config);
  const server = createApp(deps);
  await server.listen(0, "127.0.0.1");
  return { base: server.url(), server, deps, close: () => server.shutdown("test end") };
}

/** fetch with a JSON body and the admin's bearer token (pass `token: null` for none). */
export async function call(url: string, init: { method?: string; json?: unknown; token?: string | null; signal?: AbortSignal } = {}) {
  const headers: Record<string, string> = {};
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const token = init.token === undefined ? tokens.admin : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** Reads a Server-Sent Events response: yields each `data:` payload (JSON-parsed, except `[DONE]`). */
export async function* sseData(res: Response): AsyncGenerator<any> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        yield data === "[DONE]" ? data : JSON.parse(data);
      }
    }
  }
}

/** Starts a streamed chat completion; the response is returned as soon as its headers arrive. */
export function streamChat(base: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tokens.admin}` },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body, stream: true }),
    ...(signal ? { signal } : {}),
  });
}

/** Polls `check` every 20 ms until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The value of one Prometheus sample (`name{labels}`) in a /metrics text, or null when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return null;
}
