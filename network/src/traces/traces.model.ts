import type { Decision, EventTrace, HopAction, TraceHop, TraceStatus, UnsignedEnvelope, VerifyResult } from "@symbia/relay";

/** One hop to record; `at` defaults to now, `node` to the network's own node id. */
export interface HopInput {
  action: HopAction;
  node?: string;
  at?: Date;
  durationMs?: number;
  policyId?: string;
  outcome?: string;
  detail?: string;
}

/** Options of {@link TraceRecorder}. */
export interface TraceRecorderOptions {
  /** The network's own node id: where decisions happen. */
  networkNode: string;
  /** Wall clock (default `() => new Date()`). */
  now?: () => Date;
}

/**
 * Builds the trace of one event hop by hop: `{node, at, durationMs, policyId?, action}` each, then a
 * final status. The live pipeline records receive → verify → the decision path → deliver/retry/error;
 * dry runs record the decision path only.
 */
export class TraceRecorder {
  private readonly hops: TraceHop[] = [];
  private readonly now: () => Date;

  constructor(
    private readonly event: UnsignedEnvelope,
    private readonly options: TraceRecorderOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Appends a hop. */
  hop(input: HopInput): this {
    this.hops.push({
      node: input.node ?? this.options.networkNode,
      at: (input.at ?? this.now()).toISOString(),
      durationMs: Math.max(0, input.durationMs ?? 0),
      action: input.action,
      ...(input.policyId === undefined ? {} : { policyId: input.policyId }),
      ...(input.outcome === undefined ? {} : { outcome: input.outcome }),
      ...(input.detail === undefined ? {} : { detail: input.detail }),
    });
    return this;
  }

  /**
   * Appends one hop per decision step, at the network node, timed from `startedAt` by the steps'
   * own durations.
   */
  addDecision(decision: Decision, startedAt: Date): this {
    let at = startedAt.getTime();
    for (const step of decision.path) {
      this.hop({
        action: step.action,
        at: new Date(at),
        durationMs: step.durationMs,
        outcome: step.outcome,
        ...(step.policyId === undefined ? {} : { policyId: step.policyId }),
        ...(step.detail === undefined ? {} : { detail: step.detail }),
      });
      at += step.durationMs;
    }
    return this;
  }

  /** The finished trace. */
  finish(status: TraceStatus, outcome: { reasonCode?: string | null; reason?: string | null; deliveredTo?: readonly string[] } = {}): EventTrace {
    return {
      eventId: this.event.id,
      runId: this.event.runId,
      traceId: this.event.traceId,
      orgId: this.event.orgId,
      type: this.event.type,
      source: this.event.source,
      target: this.event.target ?? null,
      deliveredTo: [...(outcome.deliveredTo ?? [])],
      status,
      reasonCode: outcome.reasonCode ?? null,
      reason: outcome.reason ?? null,
      hops: [...this.hops],
      recordedAt: this.now().toISOString(),
    };
  }
}

/**
 * The trace status a decision settles on its own: `denied` or `unrouted`; null for `deliver`,
 * whose status (`delivered`, `error`, `dropped`) comes from delivery.
 */
export function statusOfDecision(decision: Decision): Extract<TraceStatus, "denied" | "unrouted"> | null {
  if (decision.outcome === "deny") return "denied";
  if (decision.outcome === "unrouted") return "unrouted";
  return null;
}

/**
 * The trace of an event refused at the door (failed verification): status `dropped`, one
 * `receive` hop at the source and one `drop` hop naming the reason. Null when the envelope was
 * too malformed to name an event (such rejections are only counted).
 */
export function traceOfRejection(result: Extract<VerifyResult, { ok: false }>, options: TraceRecorderOptions & { receivedAt?: Date }): EventTrace | null {
  if (!result.unverified) return null;
  const recorder = new TraceRecorder(result.unverified, options);
  const at = options.receivedAt ?? (options.now ?? (() => new Date()))();
  recorder.hop({ action: "receive", node: result.unverified.source, at });
  recorder.hop({ action: "drop", at, outcome: result.reason, detail: result.message });
  return recorder.finish("dropped", { reasonCode: result.reason, reason: result.message });
}
