/** Reason given to aborted calls when their run is cancelled. */
export class RunCancelledError extends Error {
  override readonly name = "RunCancelledError";
  constructor(readonly runId: string | null) {
    super(runId ? `run ${runId} cancelled` : "call cancelled");
  }
}

/** A call in flight, as the registry knows it. */
export interface ActiveCall {
  runId: string | null;
  orgId: string;
  principalId: string;
  requestId: string;
  controller: AbortController;
}

/** What registering a call gives: the signal every upstream request of the call listens to. */
export interface RegisteredCall {
  signal: AbortSignal;
  /** True once the call was cancelled (by its run, or its client leaving). */
  readonly cancelled: boolean;
  /** Removes the call from the registry (always, when the call ends). */
  release(): void;
}

/**
 * The calls in flight, by run: `cancel(runId)` aborts every upstream request and stream of a run at
 * once (the abort reaches the provider's connection, which closes). A client that disconnects
 * aborts its own call the same way, through the signal passed to `register`.
 */
export class RunRegistry {
  private readonly byRun = new Map<string, Set<ActiveCall>>();
  private readonly calls = new Set<ActiveCall>();

  /** Registers a call; `clientSignal` (the HTTP client going away) aborts it too. */
  register(call: Omit<ActiveCall, "controller">, clientSignal?: AbortSignal): RegisteredCall {
    const controller = new AbortController();
    const entry: ActiveCall = { ...call, controller };
    this.calls.add(entry);
    if (call.runId) {
      let set = this.byRun.get(call.runId);
      if (!set) this.byRun.set(call.runId, (set = new Set()));
      set.add(entry);
    }
    const onClientGone = () => controller.abort(new RunCancelledError(null));
    if (clientSignal?.aborted) onClientGone();
    else clientSignal?.addEventListener("abort", onClientGone, { once: true });
    return {
      signal: controller.signal,
      get cancelled() {
        return controller.signal.aborted;
      },
      release: () => {
        clientSignal?.removeEventListener("abort", onClientGone);
        this.calls.delete(entry);
        if (call.runId) {
          const set = this.byRun.get(call.runId);
          set?.delete(entry);
          if (set && set.size === 0) this.byRun.delete(call.runId);
        }
      },
    };
  }

  /**
   * Aborts every call in flight for `runId` (only those of `orgId` when given); returns how many.
   * Calls that start later are not affected.
   */
  cancel(runId: string, filter: { orgId?: string } = {}): number {
    let n = 0;
    for (const call of this.byRun.get(runId) ?? []) {
      if (filter.orgId !== undefined && call.orgId !== filter.orgId) continue;
      if (!call.controller.signal.aborted) {
        call.controller.abort(new RunCancelledError(runId));
        n++;
      }
    }
    return n;
  }

  /** Aborts every call in flight (shutdown); returns how many. */
  cancelAll(): number {
    let n = 0;
    for (const call of this.calls) {
      if (!call.controller.signal.aborted) {
        call.controller.abort(new RunCancelledError(call.runId));
        n++;
      }
    }
    return n;
  }

  /** Calls in flight. */
  get size(): number {
    return this.calls.size;
  }
}
