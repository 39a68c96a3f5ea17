/** Counters of one node. Latencies are the time `receive` took, in ms. */
export interface NodeMetrics {
  node: string;
  component: string;
  messagesIn: number;
  messagesOut: number;
  errors: number;
  /** Values waiting in the node's inbox now, and the most seen. */
  queueDepth: number;
  maxQueueDepth: number;
  latencyMs: { count: number; total: number; avg: number; max: number; last: number };
}

/** Counters of one execution. Times are ISO 8601 UTC; durations in ms. */
export interface ExecutionMetrics {
  executionId: string;
  state: string;
  /** Input values accepted into the queue. */
  inputsAccepted: number;
  /** `inject` calls answered with backpressure (the caller must retry). */
  inputsRefused: number;
  /** `injectWait` calls that had to wait for room. */
  inputsWaited: number;
  /** Queued inputs dropped by a cancel (reported, never silent). */
  inputsDiscarded: number;
  queue: { depth: number; bytes: number; capacity: number; byteLimit: number; maxDepth: number; maxBytes: number; waiting: number };
  outputs: number;
  outputsEvicted: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  nodes: NodeMetrics[];
}

/** Mutable per-node counters behind {@link NodeMetrics}. */
export class NodeCounters {
  messagesIn = 0;
  messagesOut = 0;
  errors = 0;
  maxQueueDepth = 0;
  latencyCount = 0;
  latencyTotal = 0;
  latencyMax = 0;
  latencyLast = 0;

  constructor(
    readonly node: string,
    readonly component: string,
  ) {}

  /** Records one `receive` that took `ms`. */
  observe(ms: number): void {
    this.latencyCount++;
    this.latencyTotal += ms;
    this.latencyLast = ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
  }

  view(queueDepth: number): NodeMetrics {
    if (queueDepth > this.maxQueueDepth) this.maxQueueDepth = queueDepth;
    const round = (n: number) => Math.round(n * 1_000) / 1_000;
    return {
      node: this.node,
      component: this.component,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      errors: this.errors,
      queueDepth,
      maxQueueDepth: this.maxQueueDepth,
      latencyMs: {
        count: this.latencyCount,
        total: round(this.latencyTotal),
        avg: this.latencyCount === 0 ? 0 : round(this.latencyTotal / this.latencyCount),
        max: round(this.latencyMax),
        last: round(this.latencyLast),
      },
    };
  }

  /** Plain data for a checkpoint. */
  save(): Record<string, number> {
    const { messagesIn, messagesOut, errors, maxQueueDepth, latencyCount, latencyTotal, latencyMax, latencyLast } = this;
    return { messagesIn, messagesOut, errors, maxQueueDepth, latencyCount, latencyTotal, latencyMax, latencyLast };
  }

  /** Continues counting from a checkpoint. */
  load(saved: Record<string, number> | undefined): void {
    if (!saved) return;
    for (const key of ["messagesIn", "messagesOut", "errors", "maxQueueDepth", "latencyCount", "latencyTotal", "latencyMax", "latencyLast"] as const) {
      if (typeof saved[key] === "number") this[key] = saved[key];
    }
  }
}
