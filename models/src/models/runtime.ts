import { AppError } from "@symbia/sys";
import type { ModelFile } from "../catalog/catalog.service.js";
import type { WorkerLoadedInfo } from "../worker/protocol.js";
import { WorkerCrashedError, WorkerLoadError, WorkerRequestError, WorkerStoppedError, type ModelWorker } from "../worker/worker-client.js";
import type { ModelInfo, ModelStatus } from "./models.schemas.js";
import type { SlotPool } from "./slots.js";

/** A loaded (or loading, restarting, failed) model: its worker, slots and history. */
export interface Runtime {
  id: string;
  file: ModelFile;
  /** Requested tokens per slot. */
  contextSize: number;
  slots: number;
  estimatedBytes: number;
  status: Exclude<ModelStatus, "available">;
  worker: ModelWorker | null;
  info: WorkerLoadedInfo | null;
  pool: SlotPool<ModelWorker | null>;
  /** The current load or restart; settles when the worker is ready (or failed). */
  loading: Promise<void>;
  /** Times of recent crashes (ms), within the restart window. */
  crashes: number[];
  restarts: number;
  loadedAt: Date | null;
  lastUsedAt: number;
  lastError: string | null;
  /** Moving average of request durations (ms), for Retry-After. */
  avgDurationMs: number;
}

/** The API view of a model file and, when loaded, its runtime. */
export function toModelInfo(file: ModelFile, sha256: string | null, r: Runtime | undefined): ModelInfo {
  const h = file.header;
  return {
    id: file.id,
    file: file.file,
    sizeBytes: file.sizeBytes,
    sha256,
    modifiedAt: file.modifiedAt.toISOString(),
    architecture: h?.architecture ?? null,
    name: h?.name ?? null,
    contextLength: h?.contextLength ?? null,
    embeddingLength: h?.embeddingLength ?? null,
    parameterCount: h?.parameterCount ?? null,
    quantization: h?.quantization ?? null,
    hasChatTemplate: h?.hasChatTemplate ?? false,
    capabilities: file.capabilities,
    error: file.error,
    status: r?.status ?? "available",
    runtime: r
      ? {
          contextSize: r.info?.contextSize ?? r.contextSize,
          slots: r.slots,
          slotsInUse: r.pool.slotsInUse,
          queueDepth: r.pool.queueDepth,
          queueLimit: r.pool.queueLimit,
          estimatedMemoryBytes: r.estimatedBytes,
          rssBytes: r.info?.rssBytes ?? null,
          workerPid: r.worker?.pid ?? null,
          chatWrapper: r.info?.chatWrapper ?? null,
          loadedAt: r.loadedAt?.toISOString() ?? null,
          restarts: r.restarts,
          lastError: r.lastError,
        }
      : null,
  };
}

/** The client-facing error for a failed inference request (other errors pass through). */
export function inferenceErrorOf(id: string, error: unknown): unknown {
  if (error instanceof WorkerCrashedError) {
    const how = error.signal ? `signal ${error.signal}` : `exit code ${error.exitCode}`;
    return new AppError("unavailable", `model ${id}: the worker process stopped during the request (${how}); it is being restarted`, { model: id }, { retryAfterSeconds: 1, cause: error });
  }
  if (error instanceof WorkerStoppedError) return new AppError("unavailable", `model ${id} was unloaded during the request`, { model: id }, { cause: error });
  if (error instanceof WorkerRequestError && error.invalidRequest) return new AppError("bad_request", error.message, { model: id });
  return error;
}

/** The client-facing error for a failed load: 400 when llama.cpp refused the file, 503 when the worker died or timed out. */
export function loadErrorOf(id: string, error: unknown): Error {
  if (error instanceof AppError) return error;
  if (error instanceof WorkerLoadError) {
    return error.loadError
      ? new AppError("bad_request", `model ${id} could not be loaded: ${error.message}`, { model: id })
      : new AppError("unavailable", `model ${id} could not be loaded: ${error.message}`, { model: id });
  }
  return error instanceof Error ? error : new Error(String(error));
}
