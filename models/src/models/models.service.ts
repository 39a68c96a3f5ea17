import { AsyncResource } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Logger } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { estimateMemoryBytes, type ModelCatalog, type ModelFile } from "../catalog/catalog.service.js";
import type { ModelsSettings } from "../config.js";
import type { WorkerChatMessage, WorkerChatResult, WorkerEmbedResult, WorkerGenerateOptions } from "../worker/protocol.js";
import { ModelWorker, type WorkerExit } from "../worker/worker-client.js";
import type { LoadModelBody, ModelInfo, ModelStatus } from "./models.schemas.js";
import { inferenceErrorOf, loadErrorOf, toModelInfo, type Runtime } from "./runtime.js";
import { RequestCancelledError, SlotPool } from "./slots.js";

/** One finished (or failed, or cancelled) inference request, for metrics. */
export interface InferenceEvent {
  model: string;
  operation: "chat" | "embeddings";
  outcome: "ok" | "cancelled" | "error";
  promptTokens: number;
  completionTokens: number;
  durationMs: number;
}

/** What the manager tells its listeners (metrics). */
export interface ModelManagerEvents {
  inference: [InferenceEvent];
  rejected: [{ model: string; reason: "queue_full" | "queue_timeout" }];
  restart: [{ model: string; code: number | null; signal: string | null }];
}

/** Live figures of one loaded model (read by the metrics at scrape time). */
export interface RuntimeSnapshot {
  model: string;
  status: ModelStatus;
  slots: number;
  slotsInUse: number;
  queueDepth: number;
  estimatedMemoryBytes: number;
}

/** Options of one inference call. */
export interface InferenceOptions {
  /** Aborts the request: removes it from the queue, or stops its generation. */
  signal: AbortSignal;
  /** Called once a slot is granted, just before generation starts (a stream sends its headers then). */
  onStart?: () => void;
}

/**
 * Owns the loaded models: one supervised worker process per model, its slots and queue, the memory
 * budget, autoload and restarts after crashes. Routes and any future socket handlers call it.
 */
export class ModelManager extends EventEmitter<ModelManagerEvents> {
  private readonly runtimes = new Map<string, Runtime>();
  private closed = false;
  /**
   * Workers are started in the manager's own async scope, not in the request that caused the load:
   * their events (crashes, restarts, llama.cpp logs) must not carry that request's trace id.
   */
  private readonly scope = new AsyncResource("symbia-model-workers");

  constructor(
    readonly catalog: ModelCatalog,
    readonly settings: ModelsSettings,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Every model of the directory (and any loaded model whose file has gone), sorted by id. */
  async list(): Promise<ModelInfo[]> {
    const files = await this.catalog.list();
    const ids = new Set(files.map((f) => f.id));
    const gone = [...this.runtimes.values()].filter((r) => !ids.has(r.id)).map((r) => r.file);
    const all = [...files, ...gone].sort((a, b) => a.id.localeCompare(b.id));
    return Promise.all(all.map((f) => this.describe(f)));
  }

  /** One model. @throws AppError `not_found`. */
  async get(id: string): Promise<ModelInfo> {
    return this.describe(await this.fileOf(id));
  }

  /** Ids of the models that inference may name: every usable file (loaded or not, autoload decides). */
  async ids(): Promise<{ id: string; createdAt: Date; loaded: boolean }[]> {
    return (await this.catalog.list()).filter((f) => !f.error).map((f) => ({ id: f.id, createdAt: f.modifiedAt, loaded: this.runtimes.has(f.id) }));
  }

  /** Figures of every loaded model. */
  snapshot(): RuntimeSnapshot[] {
    return [...this.runtimes.values()].map((r) => ({ model: r.id, status: r.status, slots: r.slots, slotsInUse: r.pool.slotsInUse, queueDepth: r.pool.queueDepth, estimatedMemoryBytes: r.estimatedBytes }));
  }

  /**
   * Loads a model into its own worker process (idempotent: a loaded model is returned as is; a
   * failed one is loaded afresh).
   *
   * @throws AppError `not_found` (no such file), `bad_request` (not a usable GGUF, or node-llama-cpp
   * cannot load it), `conflict` (the memory limit does not allow it), `unavailable` (the worker died
   * or timed out while loading, or the model was unloaded meanwhile).
   */
  async load(id: string, options: Partial<LoadModelBody> = {}): Promise<ModelInfo> {
    if (this.closed) throw new AppError("unavailable", "the models service is shutting down");
    const existing = this.runtimes.get(id);
    if (existing && existing.status !== "failed") {
      await existing.loading;
      return this.describe(existing.file);
    }
    if (existing) await this.unload(id);
    const file = await this.fileOf(id);
    if (file.error || !file.header) throw new AppError("bad_request", `model ${id} cannot be loaded: ${file.error ?? "no header"}`, { model: id });
    const slots = options.slots ?? this.settings.slots;
    const contextSize = Math.min(options.contextSize ?? this.settings.contextSize, file.header.contextLength ?? Number.MAX_SAFE_INTEGER);
    const estimatedBytes = estimateMemoryBytes(file, contextSize, slots);
    await this.makeRoom(id, estimatedBytes, options.evictIdle ?? false);
    const again = this.runtimes.get(id); // loaded by a concurrent call while we made room
    if (again) {
      await again.loading;
      return this.describe(again.file);
    }
    const runtime: Runtime = {
      id,
      file,
      contextSize,
      slots,
      estimatedBytes,
      status: "loading",
      worker: null,
      info: null,
      pool: new SlotPool<ModelWorker | null>(slots, this.settings.queueSize, this.settings.queueTimeoutMs, () => runtime.worker, () => this.retryAfter(runtime)),
      loading: Promise.resolve(),
      crashes: [],
      restarts: 0,
      loadedAt: null,
      lastUsedAt: Date.now(),
      lastError: null,
      avgDurationMs: 1_000,
    };
    runtime.pool.onRelease = () => runtime.pool.dispatch(runtime.status === "ready");
    runtime.pool.onRejected = (reason) => this.emit("rejected", { model: id, reason });
    this.runtimes.set(id, runtime);
    runtime.loading = this.startWorker(runtime).catch((error: unknown) => {
      if (this.runtimes.get(id) === runtime) this.runtimes.delete(id);
      const appError = loadErrorOf(id, error);
      runtime.pool.failQueued(appError);
      throw appError;
    });
    await runtime.loading;
    this.logger.info({ model: id, contextSize: runtime.info?.contextSize, slots, estimatedBytes, loadMs: runtime.info?.loadMs }, "model loaded");
    return this.describe(file);
  }

  /**
   * Unloads a model: requests waiting for it fail with 503, running ones are stopped (503), and its
   * worker process exits. Idempotent for a model that is not loaded.
   *
   * @throws AppError `not_found` when the directory has no such model and it is not loaded.
   */
  async unload(id: string): Promise<ModelInfo> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return this.get(id);
    runtime.status = "unloading";
    runtime.pool.failQueued(new AppError("unavailable", `model ${id} was unloaded`, { model: id }));
    await runtime.loading.catch(() => undefined);
    await runtime.worker?.stop();
    if (this.runtimes.get(id) === runtime) this.runtimes.delete(id);
    this.logger.info({ model: id }, "model unloaded");
    return this.describe(runtime.file);
  }

  /**
   * Generates a chat reply on a slot of the model (loading it first when autoload is on).
   * `onChunk` receives text as it is generated. A cancelled generation resolves with
   * `finishReason: "cancelled"` and what was generated so far.
   *
   * @throws AppError `not_found`, `bad_request` (the model cannot chat, or the request does not fit),
   * `conflict` (not loaded and autoload is off), `rate_limited` (queue full), `unavailable` (worker
   * crashed or model unloaded during the request), `timeout` (longer than MODELS_REQUEST_TIMEOUT_MS);
   * RequestCancelledError when the signal aborted before generation started.
   */
  async chat(id: string, messages: WorkerChatMessage[], options: WorkerGenerateOptions, call: InferenceOptions & { onChunk?: (text: string) => void }): Promise<WorkerChatResult> {
    return this.run(id, "chat", call, (worker, requestId) => worker.chat(requestId, messages, options, call.onChunk), (r) => [r.promptTokens, r.completionTokens, r.finishReason === "cancelled"]);
  }

  /**
   * Embeds each input text (one vector per input, in order), on a slot of the model.
   *
   * @throws as {@link ModelManager.chat}; `bad_request` when the model has no embeddings.
   */
  async embed(id: string, input: string[], call: InferenceOptions): Promise<WorkerEmbedResult> {
    return this.run(id, "embeddings", call, (worker, requestId) => worker.embed(requestId, input), (r) => [r.promptTokens, 0, r.vectors.length < input.length]);
  }

  /** Stops every worker; later calls fail with 503. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.runtimes.keys()].map((id) => this.unload(id).catch(() => undefined)));
  }

  private async run<R extends { durationMs: number }>(
    id: string,
    operation: InferenceEvent["operation"],
    call: InferenceOptions,
    work: (worker: ModelWorker, requestId: string) => Promise<R>,
    counts: (result: R) => [prompt: number, completion: number, cancelled: boolean],
  ): Promise<R> {
    const runtime = await this.runtimeFor(id, operation);
    const lease = await runtime.pool.acquire(runtime.status === "ready", call.signal, id);
    if (call.signal.aborted) {
      lease.release(); // the client left while the slot was being granted
      throw new RequestCancelledError();
    }
    const worker = lease.value;
    const requestId = randomUUID();
    const started = performance.now();
    let timedOut = false;
    const onAbort = () => worker?.cancel(requestId);
    call.signal.addEventListener("abort", onAbort, { once: true });
    // A generation that outlives the timeout is cancelled; a worker that does not stop then is killed.
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      worker?.cancel(requestId);
      killTimer = setTimeout(() => worker?.kill(), 5_000);
    }, this.settings.requestTimeoutMs);
    try {
      if (!worker) throw new AppError("unavailable", `model ${id} has no worker`, { model: id });
      runtime.lastUsedAt = Date.now();
      call.onStart?.();
      const result = await work(worker, requestId);
      const [promptTokens, completionTokens, cancelled] = counts(result);
      runtime.avgDurationMs = 0.8 * runtime.avgDurationMs + 0.2 * result.durationMs;
      this.emit("inference", { model: id, operation, outcome: cancelled ? "cancelled" : "ok", promptTokens, completionTokens, durationMs: result.durationMs });
      if (timedOut) throw new AppError("timeout", `model ${id}: generation exceeded ${this.settings.requestTimeoutMs} ms`, { model: id });
      return result;
    } catch (error) {
      if (!(error instanceof AppError && error.code === "timeout")) {
        this.emit("inference", { model: id, operation, outcome: "error", promptTokens: 0, completionTokens: 0, durationMs: performance.now() - started });
      }
      throw timedOut ? new AppError("timeout", `model ${id}: generation exceeded ${this.settings.requestTimeoutMs} ms`, { model: id }) : inferenceErrorOf(id, error);
    } finally {
      clearTimeout(timer);
      clearTimeout(killTimer);
      call.signal.removeEventListener("abort", onAbort);
      lease.release();
    }
  }

  private async runtimeFor(id: string, operation: InferenceEvent["operation"]): Promise<Runtime> {
    if (this.closed) throw new AppError("unavailable", "the models service is shutting down");
    let runtime = this.runtimes.get(id);
    const file = runtime?.file ?? (await this.fileOf(id));
    const capable = operation === "chat" ? file.capabilities.chat : file.capabilities.embeddings;
    if (!capable) throw new AppError("bad_request", `model ${id} does not support ${operation === "chat" ? "chat completions" : "embeddings"}`, { model: id });
    if (runtime?.status === "failed") throw new AppError("unavailable", `model ${id} failed: ${runtime.lastError ?? "unknown error"}; load it again with POST /api/models/${id}/load`, { model: id });
    if (runtime?.status === "unloading") throw new AppError("unavailable", `model ${id} is being unloaded`, { model: id });
    if (!runtime) {
      if (!this.settings.autoload) throw new AppError("conflict", `model ${id} is not loaded; load it with POST /api/models/${id}/load`, { model: id });
      await this.load(id, { evictIdle: true });
      runtime = this.runtimes.get(id);
      if (!runtime) throw new AppError("unavailable", `model ${id} was unloaded`, { model: id });
    }
    return runtime;
  }

  private async startWorker(runtime: Runtime): Promise<void> {
    let self: ModelWorker | null = null;
    const { worker, info } = await this.scope.runInAsyncScope(() => ModelWorker.start({
      model: runtime.id,
      settings: { path: runtime.file.path, contextSize: runtime.contextSize, slots: runtime.slots, threads: this.settings.threads },
      startTimeoutMs: this.settings.workerStartTimeoutMs,
      logger: this.logger,
      onExit: (exit) => {
        if (self) this.onWorkerExit(runtime, self, exit);
      },
    }));
    self = worker;
    if (runtime.status === "unloading" || this.runtimes.get(runtime.id) !== runtime) {
      await worker.stop();
      throw new AppError("unavailable", `model ${runtime.id} was unloaded while loading`, { model: runtime.id });
    }
    runtime.worker = worker;
    runtime.info = info;
    runtime.loadedAt ??= new Date();
    runtime.status = "ready";
    runtime.pool.dispatch(true);
  }

  private onWorkerExit(runtime: Runtime, worker: ModelWorker, exit: WorkerExit): void {
    if (exit.expected || runtime.worker !== worker || runtime.status === "unloading") return;
    runtime.worker = null;
    const reason = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    runtime.lastError = `worker process ended (${reason})${exit.stderrTail ? `: ${exit.stderrTail.split("\n").at(-1)}` : ""}`;
    this.logger.error({ model: runtime.id, code: exit.code, signal: exit.signal, stderr: exit.stderrTail }, "model worker crashed");
    this.emit("restart", { model: runtime.id, code: exit.code, signal: exit.signal });
    const now = Date.now();
    runtime.crashes = runtime.crashes.filter((t) => now - t < this.settings.restartWindowMs);
    runtime.crashes.push(now);
    if (this.closed || runtime.crashes.length > this.settings.maxRestarts) {
      runtime.status = "failed";
      runtime.pool.failQueued(new AppError("unavailable", `model ${runtime.id} failed: ${runtime.lastError}`, { model: runtime.id }));
      return;
    }
    runtime.status = "restarting";
    runtime.restarts++;
    const delayMs = Math.min(2_000, 100 * 2 ** (runtime.crashes.length - 1));
    runtime.loading = new Promise<void>((resolve) => setTimeout(resolve, delayMs))
      .then(() => this.startWorker(runtime))
      .then(
        () => this.logger.info({ model: runtime.id, restarts: runtime.restarts }, "model worker restarted"),
        (error: unknown) => {
          if (runtime.status === "unloading") return;
          runtime.status = "failed";
          runtime.lastError = `restart failed: ${error instanceof Error ? error.message : String(error)}`;
          this.logger.error({ model: runtime.id, err: error }, "model worker restart failed");
          runtime.pool.failQueued(new AppError("unavailable", `model ${runtime.id} failed: ${runtime.lastError}`, { model: runtime.id }));
        },
      );
  }

  /** Frees memory for `needed` bytes: evicts idle models (least recently used first) when allowed. */
  private async makeRoom(id: string, needed: number, evictIdle: boolean): Promise<void> {
    const limit = this.settings.memoryLimitBytes;
    if (needed > limit) throw new AppError("conflict", `model ${id} needs about ${needed} bytes, more than the memory limit of ${limit} bytes`, { model: id, neededBytes: needed, limitBytes: limit });
    for (;;) {
      const used = [...this.runtimes.values()].filter((r) => r.id !== id).reduce((sum, r) => sum + r.estimatedBytes, 0);
      if (used + needed <= limit) return;
      const idle = [...this.runtimes.values()]
        .filter((r) => r.id !== id && r.status === "ready" && r.pool.slotsInUse === 0 && r.pool.queueDepth === 0)
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
      if (!evictIdle || !idle) {
        throw new AppError("conflict", `not enough memory to load model ${id}: ${used} of ${limit} bytes are used by loaded models and it needs about ${needed}; unload a model first`, {
          model: id,
          neededBytes: needed,
          usedBytes: used,
          limitBytes: limit,
          loaded: [...this.runtimes.keys()],
        });
      }
      this.logger.info({ model: idle.id, for: id }, "evicting an idle model to make room");
      await this.unload(idle.id);
    }
  }

  private retryAfter(runtime: Runtime): number {
    return Math.max(1, Math.ceil((runtime.avgDurationMs / 1000) * (runtime.pool.queueDepth / runtime.slots + 1)));
  }

  private async fileOf(id: string): Promise<ModelFile> {
    const file = (await this.catalog.get(id)) ?? this.runtimes.get(id)?.file;
    if (!file) throw new AppError("not_found", `no model ${id} in the model directory`, { model: id });
    return file;
  }

  private async describe(file: ModelFile): Promise<ModelInfo> {
    return toModelInfo(file, await this.catalog.sha256(file).catch(() => null), this.runtimes.get(file.id));
  }

}
