import { AppError } from "@symbia/sys";

/** A request gave up (its client went away) while it waited for a slot. */
export class RequestCancelledError extends Error {
  constructor() {
    super("request cancelled by the client");
    this.name = "RequestCancelledError";
  }
}

/** A granted slot: the value it carries and the function that gives it back (once). */
export interface Lease<T> {
  value: T;
  release: () => void;
}

interface Waiter<T> {
  resolve: (lease: Lease<T>) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

/**
 * N parallel slots and a bounded FIFO queue for one model. `acquire` gets a slot at once when one
 * is free and the model is ready, else waits in the queue (429 when it is full, 503 after
 * `queueTimeoutMs`), and gives up when its signal aborts. `open` tells whether slots may be handed
 * out (the worker is ready): while the worker loads or restarts, requests wait.
 */
export class SlotPool<T> {
  private inUse = 0;
  private readonly queue: Waiter<T>[] = [];

  constructor(
    readonly size: number,
    readonly queueLimit: number,
    private readonly queueTimeoutMs: number,
    /** The value a granted slot carries (the current worker). */
    private readonly grant: () => T,
    /** Seconds a client is told to wait when the queue is full. */
    private readonly retryAfterSeconds: () => number,
  ) {}

  /** Slots handed out and not yet released. */
  get slotsInUse(): number {
    return this.inUse;
  }

  /** Requests waiting for a slot. */
  get queueDepth(): number {
    return this.queue.length;
  }

  /**
   * Takes a slot, waiting for one if needed. The caller must call `release()` exactly once.
   *
   * @throws AppError `rate_limited` (429, with Retry-After) when the queue is full; `unavailable`
   * (503) when no slot freed within the queue timeout; RequestCancelledError when `signal` aborts.
   */
  acquire(open: boolean, signal: AbortSignal, model: string): Promise<Lease<T>> {
    if (signal.aborted) return Promise.reject(new RequestCancelledError());
    if (open && this.inUse < this.size && this.queue.length === 0) return Promise.resolve(this.take());
    if (this.queue.length >= this.queueLimit) {
      this.onRejected("queue_full");
      const retryAfterSeconds = this.retryAfterSeconds();
      return Promise.reject(
        new AppError(
          "rate_limited",
          `model ${model} is busy: ${this.size} slot(s) in use and ${this.queue.length} request(s) queued`,
          { model, slots: this.size, queueLimit: this.queueLimit, retryAfterSeconds },
          { retryAfterSeconds },
        ),
      );
    }
    return new Promise<Lease<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.remove(waiter);
        this.onRejected("queue_timeout");
        reject(new AppError("unavailable", `model ${model}: no slot freed within ${this.queueTimeoutMs} ms`, { model }, { retryAfterSeconds: this.retryAfterSeconds() }));
      }, this.queueTimeoutMs);
      const onAbort = () => {
        this.remove(waiter);
        reject(new RequestCancelledError());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
        },
      };
      this.queue.push(waiter);
    });
  }

  /** Hands free slots to waiting requests, in order, while `open`. */
  dispatch(open: boolean): void {
    while (open && this.inUse < this.size && this.queue.length > 0) {
      const waiter = this.queue.shift()!;
      waiter.cleanup();
      waiter.resolve(this.take());
    }
  }

  /** Rejects every waiting request with `error` (unload, failed restart, shutdown). */
  failQueued(error: Error): void {
    for (const waiter of this.queue.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }

  /** Called when a slot is released; the owner then dispatches. */
  onRelease: () => void = () => {};

  /** Called when a request is refused: the queue was full (429) or the wait timed out (503). */
  onRejected: (reason: "queue_full" | "queue_timeout") => void = () => {};

  private take(): Lease<T> {
    this.inUse++;
    let released = false;
    return {
      value: this.grant(),
      release: () => {
        if (released) return;
        released = true;
        this.inUse--;
        this.onRelease();
      },
    };
  }

  private remove(waiter: Waiter<T>): void {
    const i = this.queue.indexOf(waiter);
    if (i >= 0) this.queue.splice(i, 1);
    waiter.cleanup();
  }
}
