import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Logger } from "@symbia/http";
import type {
  WorkerChatMessage,
  WorkerChatResult,
  WorkerEmbedResult,
  WorkerEvent,
  WorkerGenerateOptions,
  WorkerLoadSettings,
  WorkerLoadedInfo,
  WorkerRequest,
} from "./protocol.js";

/** The worker process ended while a request was running (a native crash, a kill, an out-of-memory). */
export class WorkerCrashedError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    /** Last lines the worker wrote to stderr (llama.cpp prints its assert there). */
    readonly stderrTail: string,
  ) {
    super(`model worker exited (${signal ? `signal ${signal}` : `code ${exitCode}`})`);
    this.name = "WorkerCrashedError";
  }
}

/** The worker was stopped on purpose (unload, shutdown) while a request was running. */
export class WorkerStoppedError extends Error {
  constructor() {
    super("model worker stopped");
    this.name = "WorkerStoppedError";
  }
}

/** The worker could not serve a request; `invalidRequest` when the request itself was at fault. */
export class WorkerRequestError extends Error {
  constructor(
    message: string,
    readonly invalidRequest: boolean,
  ) {
    super(message);
    this.name = "WorkerRequestError";
  }
}

/** The worker failed to load its model (`loadError` set when node-llama-cpp reported why). */
export class WorkerLoadError extends Error {
  constructor(
    message: string,
    readonly loadError: boolean,
  ) {
    super(message);
    this.name = "WorkerLoadError";
  }
}

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  onChunk?: (text: string) => void;
}

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the service asked it to stop. */
  expected: boolean;
  stderrTail: string;
}

/** Options of {@link ModelWorker.start}. */
export interface ModelWorkerOptions {
  /** Model id, for log lines. */
  model: string;
  settings: WorkerLoadSettings;
  /** Longest time to start the process and load the model, in ms. */
  startTimeoutMs: number;
  logger: Logger;
  /** Called once when the process ends, expectedly or not. */
  onExit: (exit: WorkerExit) => void;
}

const here = fileURLToPath(import.meta.url);
const ext = extname(here);
const WORKER_ENTRY = fileURLToPath(new URL(`./worker-main${ext}`, import.meta.url));
// Running from TypeScript sources (tsx, vitest): the child needs the tsx loader too.
const EXEC_ARGV = ext === ".ts" ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : [];

/**
 * The service's handle on one model worker process (worker-main.ts): starts it, loads the model,
 * sends requests over IPC and settles them from the worker's events. When the process ends, every
 * request still running is rejected at once ({@link WorkerCrashedError}, or
 * {@link WorkerStoppedError} after {@link ModelWorker.stop}), so no caller waits on a dead worker.
 */
export class ModelWorker {
  private readonly pending = new Map<string, Pending>();
  private readonly stderrLines: string[] = [];
  private stopping = false;
  private exitInfo: WorkerExit | null = null;
  private readonly exitWaiters: (() => void)[] = [];
  /** Settles {@link ModelWorker.start} from the worker's `loaded` / `load-failed` event or its exit. */
  private loadWaiter: { resolve: (info: WorkerLoadedInfo) => void; reject: (error: Error) => void } | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: ModelWorkerOptions,
  ) {}

  /**
   * Starts a worker process and loads the model in it.
   *
   * @returns The running worker and what it reported about the loaded model.
   * @throws WorkerLoadError when the model cannot be loaded, the process dies while loading, or
   * loading takes longer than `startTimeoutMs` (the process is then killed).
   */
  static async start(options: ModelWorkerOptions): Promise<{ worker: ModelWorker; info: WorkerLoadedInfo }> {
    const child = fork(WORKER_ENTRY, [], { execArgv: EXEC_ARGV, stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "advanced" });
    const worker = new ModelWorker(child, options);
    worker.attach();
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await new Promise<WorkerLoadedInfo>((resolve, reject) => {
        worker.loadWaiter = { resolve, reject };
        timer = setTimeout(() => reject(new WorkerLoadError(`loading took longer than ${options.startTimeoutMs} ms`, false)), options.startTimeoutMs);
        worker.send({ type: "load", settings: options.settings });
      });
      return { worker, info };
    } catch (error) {
      worker.kill();
      throw error;
    } finally {
      clearTimeout(timer);
      worker.loadWaiter = null;
    }
  }

  /** The worker's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once the process has ended. */
  get exited(): boolean {
    return this.exitInfo !== null;
  }

  /**
   * Generates a chat reply; `onChunk` receives the text as it is generated.
   *
   * @throws WorkerRequestError, WorkerCrashedError or WorkerStoppedError.
   */
  chat(id: string, messages: WorkerChatMessage[], options: WorkerGenerateOptions, onChunk?: (text: string) => void): Promise<WorkerChatResult> {
    return this.request(id, { type: "chat", id, messages, options }, onChunk);
  }

  /**
   * Embeds each input text.
   *
   * @throws WorkerRequestError, WorkerCrashedError or WorkerStoppedError.
   */
  embed(id: string, input: string[]): Promise<WorkerEmbedResult> {
    return this.request(id, { type: "embed", id, input });
  }

  /** Asks the worker to stop a running request; it then settles with what was done so far. */
  cancel(id: string): void {
    if (this.pending.has(id)) this.send({ type: "cancel", id });
  }

  /** Asks the worker to dispose the model and exit; kills it after `graceMs`. Running requests reject. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exitInfo) return;
    this.stopping = true;
    this.failPending(new WorkerStoppedError());
    this.send({ type: "shutdown" });
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the process at once (SIGKILL); used when it does not respond. */
  kill(): void {
    if (!this.exitInfo) this.child.kill("SIGKILL");
  }

  private request<T>(id: string, message: WorkerRequest, onChunk?: (text: string) => void): Promise<T> {
    if (this.exitInfo) return Promise.reject(this.stopping ? new WorkerStoppedError() : new WorkerCrashedError(this.exitInfo.code, this.exitInfo.signal, this.exitInfo.stderrTail));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject, ...(onChunk ? { onChunk } : {}) });
      this.send(message);
    });
  }

  private send(message: WorkerRequest): void {
    if (!this.child.connected) return;
    this.child.send(message, (error) => {
      if (error && !this.exitInfo) this.options.logger.warn({ model: this.options.model, err: error }, "could not reach the model worker");
    });
  }

  private attach(): void {
    const { logger, model } = this.options;
    const log = logger.child({ model, workerPid: this.child.pid });
    if (this.child.stdout) createInterface({ input: this.child.stdout }).on("line", (line) => log.debug({ stream: "stdout" }, line));
    if (this.child.stderr) {
      createInterface({ input: this.child.stderr }).on("line", (line) => {
        this.stderrLines.push(line);
        if (this.stderrLines.length > 20) this.stderrLines.shift();
        log.warn({ stream: "stderr" }, line);
      });
    }
    this.child.on("message", (event: WorkerEvent) => this.onEvent(event, log));
    this.child.on("error", (error) => log.error({ err: error }, "model worker process error"));
    this.child.on("exit", (code, signal) => {
      const exit: WorkerExit = { code, signal, expected: this.stopping, stderrTail: this.stderrLines.join("\n") };
      this.exitInfo = exit;
      const crash = this.stopping ? new WorkerStoppedError() : new WorkerCrashedError(code, signal, exit.stderrTail);
      this.loadWaiter?.reject(new WorkerLoadError(`the worker exited while loading (${signal ? `signal ${signal}` : `code ${code}`})${exit.stderrTail ? `: ${exit.stderrTail.split("\n").at(-1)}` : ""}`, false));
      this.failPending(crash);
      for (const waiter of this.exitWaiters.splice(0)) waiter();
      this.options.onExit(exit);
    });
  }

  private onEvent(event: WorkerEvent, log: Logger): void {
    switch (event.type) {
      case "loaded":
        this.loadWaiter?.resolve(event.info);
        return;
      case "load-failed":
        this.loadWaiter?.reject(new WorkerLoadError(event.message, true));
        return;
      case "log":
        log[event.level]({ source: "llama.cpp" }, event.message);
        return;
      case "chunk":
        this.pending.get(event.id)?.onChunk?.(event.text);
        return;
      case "chat-done":
      case "embed-done": {
        const pending = this.pending.get(event.id);
        this.pending.delete(event.id);
        pending?.resolve(event.result as never);
        return;
      }
      case "failed": {
        const pending = this.pending.get(event.id);
        this.pending.delete(event.id);
        pending?.reject(new WorkerRequestError(event.message, event.invalidRequest));
        return;
      }
    }
  }

  private failPending(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}
