import { z } from "zod";

/** Model ids: the GGUF file name without `.gguf`. */
export const ModelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a model id is the GGUF file name without .gguf");

/** Where a model is in its life: on disk only, or loaded in a worker process (and how that goes). */
export const ModelStatus = z.enum(["available", "loading", "ready", "restarting", "failed", "unloading"]);
export type ModelStatus = z.infer<typeof ModelStatus>;

/** A loaded model's worker, slots and queue. */
export const ModelRuntime = z
  .object({
    /** Context window per slot, in tokens. */
    contextSize: z.number().int(),
    /** Parallel generations. */
    slots: z.number().int(),
    slotsInUse: z.number().int(),
    /** Requests waiting for a slot. */
    queueDepth: z.number().int(),
    /** Most requests that may wait; beyond it → 429. */
    queueLimit: z.number().int(),
    /** Memory charged against MODELS_MEMORY_LIMIT_BYTES, in bytes (an estimate, see the README). */
    estimatedMemoryBytes: z.number().int(),
    /** Resident memory of the worker process after loading, in bytes. */
    rssBytes: z.number().int().nullable(),
    workerPid: z.number().int().nullable(),
    /** node-llama-cpp's chat format for the model (`ChatML`, `Llama3`, …). */
    chatWrapper: z.string().nullable(),
    loadedAt: z.string().nullable(),
    /** Times the worker process was restarted after a crash. */
    restarts: z.number().int(),
    lastError: z.string().nullable(),
  })
  .meta({ id: "ModelRuntime" });
export type ModelRuntime = z.infer<typeof ModelRuntime>;

/** One model of the model directory, with its header facts and, when loaded, its runtime. */
export const ModelInfo = z
  .object({
    id: ModelId,
    /** File name inside MODELS_DIR. */
    file: z.string(),
    sizeBytes: z.number().int(),
    /** Hex SHA-256 of the file (null when it cannot be read). */
    sha256: z.string().nullable(),
    modifiedAt: z.string(),
    architecture: z.string().nullable(),
    /** `general.name` from the header. */
    name: z.string().nullable(),
    /** Training context length, in tokens. */
    contextLength: z.number().int().nullable(),
    embeddingLength: z.number().int().nullable(),
    parameterCount: z.number().int().nullable(),
    /** `general.file_type`, e.g. `F32`, `Q4_K_M`. */
    quantization: z.string().nullable(),
    hasChatTemplate: z.boolean(),
    capabilities: z.object({ chat: z.boolean(), embeddings: z.boolean() }),
    /** Why the file cannot be used (not a readable GGUF), else null. */
    error: z.string().nullable(),
    status: ModelStatus,
    runtime: ModelRuntime.nullable(),
  })
  .meta({ id: "ModelInfo" });
export type ModelInfo = z.infer<typeof ModelInfo>;

/** `GET /api/models`. */
export const ModelList = z.object({ items: z.array(ModelInfo), nextCursor: z.null() }).meta({ id: "ModelList" });
export type ModelList = z.infer<typeof ModelList>;

/** `POST /api/models/:id/load`: per-load overrides of the service defaults. */
export const LoadModelBody = z
  .object({
    /** Context window per slot, in tokens (default MODELS_CONTEXT_SIZE, capped at the training context). */
    contextSize: z.number().int().min(64).max(1_048_576).optional(),
    /** Parallel generations (default MODELS_SLOTS). */
    slots: z.number().int().min(1).max(64).optional(),
    /** Unload idle models (least recently used first) when the memory limit requires it. */
    evictIdle: z.boolean().default(false),
  })
  .default({ evictIdle: false });
export type LoadModelBody = z.infer<typeof LoadModelBody>;

export const ModelParams = z.object({ id: ModelId });
