import CircuitBreaker from "opossum";

/** Settings of every provider's circuit breaker. */
export interface BreakerSettings {
  /** Share of failing calls (%) in the window that opens the circuit. */
  errorPercent: number;
  /** Calls needed in the window before the circuit may open. */
  volume: number;
  /** Rolling window of the statistics, ms. */
  windowMs: number;
  /** How long an open circuit fails fast before it lets one trial call through (half-open), ms. */
  resetMs: number;
}

/** A breaker's state: calls flow, fail fast, or one trial call decides. */
export type CircuitState = "closed" | "open" | "half_open";

type Action = (fn: () => Promise<unknown>) => Promise<unknown>;

/**
 * One circuit breaker per provider endpoint (`provider@baseUrl`: a principal's own server going
 * down does not stop the platform's), on `opossum`. The breaker wraps the part of a call that
 * decides whether the provider answers: a whole response, or a stream up to its first event — a
 * stream that fails later is not counted (opossum only sees promises). Only `provider` and
 * `timeout` failures count; a refused credential, a bad request, a rate limit or a cancel says
 * nothing about the provider's health (`isFailure`).
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly isFailure: (error: unknown) => boolean,
    private readonly onChange?: (key: string, state: CircuitState) => void,
  ) {}

  /** Runs `fn` through the breaker of `key`; rejects with an `EOPENBREAKER` error while it is open. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.breaker(key).fire(fn) as Promise<T>;
  }

  /** The state of `key`'s breaker (closed when it has never been used). */
  state(key: string): CircuitState {
    const breaker = this.breakers.get(key);
    if (!breaker) return "closed";
    return breaker.opened ? "open" : breaker.halfOpen ? "half_open" : "closed";
  }

  /** Every breaker's state, by key. */
  states(): Record<string, CircuitState> {
    return Object.fromEntries([...this.breakers.keys()].map((k) => [k, this.state(k)]));
  }

  /** Stops every breaker's timers. */
  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }

  private breaker(key: string) {
    let breaker = this.breakers.get(key);
    if (breaker) return breaker;
    const action: Action = (fn) => fn();
    breaker = new CircuitBreaker(action, {
      name: key,
      timeout: false, // the gateway's own timeouts abort the upstream request
      errorThresholdPercentage: this.settings.errorPercent,
      volumeThreshold: this.settings.volume,
      rollingCountTimeout: this.settings.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: this.settings.resetMs,
      errorFilter: (error: unknown) => !this.isFailure(error),
    });
    breaker.on("open", () => this.onChange?.(key, "open"));
    breaker.on("halfOpen", () => this.onChange?.(key, "half_open"));
    breaker.on("close", () => this.onChange?.(key, "closed"));
    this.breakers.set(key, breaker);
    return breaker;
  }
}

/** Backoff before retry number `attempt` (0-based): base × 2^attempt, capped, with ±25 % jitter. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
