import { totalmem } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { z } from "zod";

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1" || v === "yes"));
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const csv = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []));

/** The models service's own settings (beside the shared {@link BaseConfig}). */
export const ModelsSettingsSchema = z.object({
  /** MODELS_DIR: directory of GGUF files; relative paths resolve against the working directory. */
  dir: z.string().min(1),
  /** MODELS_CREATE_TEST_MODEL: write the built-in test model into MODELS_DIR at start when it holds no GGUF. */
  createTestModel: bool(true),
  /** MODELS_PRELOAD: comma-separated model ids loaded at start (in the background). */
  preload: csv,
  /** MODELS_AUTOLOAD: an inference request for a model that is not loaded loads it (evicting idle models if memory requires). */
  autoload: bool(true),
  /** MODELS_MEMORY_LIMIT_BYTES: budget for the estimated memory of all loaded models (default: half the machine's RAM). */
  memoryLimitBytes: int(Math.floor(totalmem() / 2), 1),
  /** MODELS_SLOTS: parallel generations per loaded model (context sequences of one llama.cpp context). */
  slots: int(2, 1),
  /** MODELS_QUEUE_SIZE: requests that may wait for a slot, per model; beyond it → 429. */
  queueSize: int(8),
  /** MODELS_CONTEXT_SIZE: context window in tokens per slot (capped at the model's training context). */
  contextSize: int(4096, 64),
  /** MODELS_THREADS: CPU threads per llama.cpp context (1 on small shared machines; more is much slower there). */
  threads: int(1, 1),
  /** MODELS_DEFAULT_MAX_TOKENS: completion limit when a request sets none. */
  defaultMaxTokens: int(1024, 1),
  /** MODELS_REQUEST_TIMEOUT_MS: longest a generation may run before it is aborted (504). */
  requestTimeoutMs: int(300_000, 1),
  /** MODELS_QUEUE_TIMEOUT_MS: longest a request may wait for a slot (503 after). */
  queueTimeoutMs: int(60_000, 1),
  /** MODELS_WORKER_START_TIMEOUT_MS: longest a worker process may take to start and load its model. */
  workerStartTimeoutMs: int(120_000, 1),
  /**
   * MODELS_STREAM_INTERVAL_MS: least time between two streamed chunks (default 0: as generated).
   * The built-in test model writes a whole reply in a few milliseconds; a pace makes its stream
   * visible in the demo. A model slower than the pace is not delayed.
   */
  streamIntervalMs: int(0),
  /** MODELS_MAX_RESTARTS: worker crashes tolerated per model within MODELS_RESTART_WINDOW_MS before it is marked failed. */
  maxRestarts: int(3),
  /** MODELS_RESTART_WINDOW_MS: window of MODELS_MAX_RESTARTS. */
  restartWindowMs: int(60_000, 1),
});

/** The models service's settings. */
export type ModelsSettings = z.infer<typeof ModelsSettingsSchema>;

/** How the service trusts identity's tokens. */
export const IdentitySettingsSchema = z.object({
  /** IDENTITY_ISSUER: expected `iss` of access tokens (default: identity's URL, as identity itself defaults). */
  issuer: z.string().min(1),
  /** MODELS_SERVICE_SECRET: this service's client-credentials secret; without it API keys cannot be checked and revocations are not followed. */
  serviceSecret: z.string().min(1).optional(),
});

/** Everything the models service reads from its environment. */
export type ModelsConfig = BaseConfig & {
  models: ModelsSettings;
  identity: z.infer<typeof IdentitySettingsSchema>;
  /** TELEMETRY_*, LOGGING_SERVICE_URL: request spans and warn+ log lines shipped to logging. */
  telemetry: TelemetryConfig;
};

/** `models/data/models`: the default model directory (git-ignored). */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL("../data/models", import.meta.url));

/**
 * Reads the models service's configuration (the only reader of `process.env` in this service).
 *
 * @throws z.ZodError naming each invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ModelsConfig {
  const base = loadBaseConfig("models", env);
  const models = ModelsSettingsSchema.parse({
    dir: resolve(env.MODELS_DIR || DEFAULT_MODELS_DIR),
    createTestModel: env.MODELS_CREATE_TEST_MODEL || undefined,
    preload: env.MODELS_PRELOAD,
    autoload: env.MODELS_AUTOLOAD || undefined,
    memoryLimitBytes: env.MODELS_MEMORY_LIMIT_BYTES || undefined,
    slots: env.MODELS_SLOTS || undefined,
    queueSize: env.MODELS_QUEUE_SIZE || undefined,
    contextSize: env.MODELS_CONTEXT_SIZE || undefined,
    threads: env.MODELS_THREADS || undefined,
    defaultMaxTokens: env.MODELS_DEFAULT_MAX_TOKENS || undefined,
    requestTimeoutMs: env.MODELS_REQUEST_TIMEOUT_MS || undefined,
    queueTimeoutMs: env.MODELS_QUEUE_TIMEOUT_MS || undefined,
    workerStartTimeoutMs: env.MODELS_WORKER_START_TIMEOUT_MS || undefined,
    streamIntervalMs: env.MODELS_STREAM_INTERVAL_MS || undefined,
    maxRestarts: env.MODELS_MAX_RESTARTS || undefined,
    restartWindowMs: env.MODELS_RESTART_WINDOW_MS || undefined,
  });
  const identity = IdentitySettingsSchema.parse({ issuer: env.IDENTITY_ISSUER || base.serviceUrls.identity, serviceSecret: env.MODELS_SERVICE_SECRET || undefined });
  return { ...base, models, identity, telemetry: telemetryConfigFromEnv(env) };
}
