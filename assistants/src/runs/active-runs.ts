/**
 * A run executing in this process: its abort controller (cancel, preempt, handoff), the pause
 * gate its stream forwarding waits on, and the reply it is streaming.
 */
export class ActiveRun {
  readonly controller = new AbortController();
  /** The reply being streamed now (messaging's message id), if any. */
  streamMessageId: string | null = null;
  private paused = false;
  private waiters: Array<() => void> = [];

  constructor(
    readonly runId: string,
    readonly orgId: string,
    readonly conversationId: string | null,
    readonly assistantKey: string,
    /** The message the run answers. */
    readonly messageId: string | null,
    /** Called once when the run is cancelled (aborts upstream calls: integrations' run cancel). */
    private readonly onCancel: (reason: string) => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Holds the stream forwarding before its next chunk. */
  pause(): void {
    this.paused = true;
  }

  /** Lets the stream go on, in order. */
  resume(): void {
    this.paused = false;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits while paused (returns at once otherwise, or when the run is cancelled). */
  async waitIfPaused(): Promise<void> {
    while (this.paused && !this.signal.aborted) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        this.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  /** Cancels the run: its signal aborts (stream reads stop) and upstream work is cancelled. */
  cancel(reason: string): void {
    if (this.signal.aborted) return;
    this.controller.abort(new Error(reason));
    this.resume();
    this.onCancel(reason);
  }
}

/** The runs executing in this process. */
export class ActiveRuns {
  private readonly runs = new Map<string, ActiveRun>();

  add(run: ActiveRun): void {
    this.runs.set(run.runId, run);
  }

  remove(runId: string): void {
    this.runs.delete(runId);
  }

  get(runId: string): ActiveRun | undefined {
    return this.runs.get(runId);
  }

  ids(): string[] {
    return [...this.runs.keys()];
  }

  get size(): number {
    return this.runs.size;
  }

  /** Runs of a conversation. */
  inConversation(orgId: string, conversationId: string): ActiveRun[] {
    return [...this.runs.values()].filter((r) => r.orgId === orgId && r.conversationId === conversationId);
  }

  /** The run streaming this reply. */
  byStream(messageId: string): ActiveRun | undefined {
    return [...this.runs.values()].find((r) => r.streamMessageId === messageId);
  }

  /** Cancels everything (shutdown). */
  cancelAll(reason: string): number {
    let n = 0;
    for (const run of this.runs.values()) {
      if (!run.signal.aborted) n += 1;
      run.cancel(reason);
    }
    return n;
  }
}
