import { isAppError } from "@symbia/sys";
import type { ComponentInstance, NodeContext, TimerHandle } from "../components/manifest.js";
import { createExpressionSandbox, SandboxError, type ExpressionSandbox, type SandboxLimits } from "../components/sandbox.js";
import type { ResolvedNode } from "../graphs/graph.validate.js";
import type { ExecutionError } from "./execution.events.js";
import { NodeCounters } from "./execution.metrics.js";

/** Where the engine gets time and timers: the system clock, or a test's. Times in ms. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock (global timers looked up at call time, so test fakes apply). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

/** A value waiting in a node's inbox for input `port`. */
export interface Message {
  port: string;
  value: unknown;
}

/** What a node needs from its execution. */
export interface NodeHost {
  /** The execution's id and org. */
  readonly id: string;
  readonly orgId: string;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly sandboxLimits: SandboxLimits;
  emit(node: NodeRuntime, port: string, value: unknown): void;
  /** A timer callback of `node` threw. */
  timerFailed(node: NodeRuntime, error: unknown): void;
  /** True once the execution reached a terminal state: timers then do nothing. */
  stopped(): boolean;
}

/** One node of a running execution: its component instance, inbox, counters, timers and sandboxes. */
export class NodeRuntime {
  readonly id: string;
  readonly counters: NodeCounters;
  readonly inbox: Message[] = [];
  instance: ComponentInstance | null = null;
  /** Values emitted per output port (for sampling). */
  readonly emitted = new Map<string, number>();
  private readonly timers = new Map<number, unknown>();
  private readonly sandboxes: ExpressionSandbox[] = [];
  private nextTimer = 1;

  constructor(
    readonly resolved: ResolvedNode,
    private readonly host: NodeHost,
  ) {
    this.id = resolved.id;
    this.counters = new NodeCounters(resolved.id, resolved.definition.component);
  }

  /** Creates the component instance (compiling its sandboxes). @throws what the component's factory throws. */
  async create(): Promise<void> {
    this.instance = await this.resolved.component.create(this.context());
  }

  /** Cancels timers, disposes the instance and its sandboxes. Idempotent. */
  dispose(): void {
    for (const handle of this.timers.values()) this.host.clock.clearTimeout(handle);
    this.timers.clear();
    try {
      this.instance?.dispose?.();
    } finally {
      for (const sandbox of this.sandboxes.splice(0)) sandbox.dispose();
    }
  }

  private context(): NodeContext {
    const host = this.host;
    return {
      nodeId: this.id,
      config: this.resolved.definition.config,
      execution: { id: host.id, orgId: host.orgId },
      signal: host.signal,
      emit: (port, value) => host.emit(this, port, value),
      now: () => host.clock.now(),
      setTimer: (ms, fn): TimerHandle => {
        const id = this.nextTimer++;
        const handle = host.clock.setTimeout(() => {
          this.timers.delete(id);
          if (host.stopped()) return;
          try {
            fn();
          } catch (error) {
            host.timerFailed(this, error);
          }
        }, Math.max(0, ms));
        this.timers.set(id, handle);
        return { id };
      },
      clearTimer: (timer) => {
        const handle = this.timers.get(timer.id);
        if (handle !== undefined) host.clock.clearTimeout(handle);
        this.timers.delete(timer.id);
      },
      sandbox: async (expression) => {
        const sandbox = await createExpressionSandbox(expression, host.sandboxLimits);
        if (host.stopped()) {
          sandbox.dispose();
          throw new Error("execution stopped while starting");
        }
        this.sandboxes.push(sandbox);
        return sandbox;
      },
    };
  }
}

/** A node failure as the execution reports it: a stable code and a message (never the value). */
export function describeNodeError(node: string, error: unknown, port?: string): ExecutionError {
  const code = error instanceof SandboxError ? `sandbox_${error.kind}` : isAppError(error) ? error.code : "node_error";
  const message = error instanceof Error ? error.message : String(error);
  return { code, message, node, ...(port ? { port } : {}) };
}
