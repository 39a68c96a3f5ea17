import { randomUUID } from "node:crypto";
import type { Database } from "@symbia/db";
import { AppError, type Scope } from "@symbia/sys";
import { z } from "zod";
import type { ComponentRegistry } from "../components/manifest.js";
import type * as schema from "../db/schema.js";
import { validateGraph, type ValidatedGraph } from "../graphs/graph.validate.js";
import { Execution, type InjectResult, type InjectTarget, type OutputRecord } from "./execution.js";
import type { ExecutionEventMap, ExecutionEventName, StateEvent } from "./execution.events.js";
import type { ExecutionMetrics } from "./execution.metrics.js";
import type { ExecutionOptions } from "./execution.options.js";
import { assertTransition, isTerminal, type ExecutionState } from "./execution.states.js";
import type { EngineLogger, ExecutionSnapshot } from "./execution.types.js";
import { ExecutionAccounting, type EngineStats, type Tracked } from "./executions.accounting.js";
import { CreateExecutionInput, ListExecutionsInput, type ExecutionView } from "./executions.schemas.js";
import * as store from "./executions.store.js";
import { viewOfRow } from "./executions.view.js";
import { systemClock, type Clock } from "./node-runtime.js";
import type { ExecutionTelemetry } from "../telemetry/telemetry.js";

/** What the service is built from. */
export interface ExecutionServiceDeps {
  database: Database<typeof schema>;
  registry: ComponentRegistry;
  logger: EngineLogger;
  clock?: Clock;
  /** Engine-wide defaults applied under each execution's own options. */
  defaults?: Partial<ExecutionOptions>;
  /** Period of automatic checkpoints of live executions whose state moved, in ms; 0 = off (default 5 000). */
  checkpointIntervalMs?: number;
  /** Most executions live in this engine at once (default 200). */
  maxLiveExecutions?: number;
  /** Where state changes and per-node latency go (logging); none by default. */
  telemetry?: ExecutionTelemetry;
}

/** What the creator's request knew that the stored row does not keep. */
export interface CreateContext {
  /** Trace id of the creating request (telemetry correlates the execution's span with it). */
  traceId?: string;
}

interface Live {
  execution: Execution;
  row: store.ExecutionRow;
  /** Database writes for this execution, in order. */
  chain: Promise<void>;
  seq: number;
  lastCheckpoint: string;
  starting: Promise<void> | null;
  tracked: Tracked;
}

/**
 * Executions as a service: creates them from graph definitions, runs them in this engine,
 * persists every state change, final metrics and outputs, checkpoints live executions (on
 * pause, on request, periodically, and when the service stops) and resumes them after a
 * restart. Every method takes the tenant scope first; another org's execution is not found.
 * REST routes and socket handlers call these same methods.
 */
export class ExecutionService {
  private readonly live = new Map<string, Live>();
  private readonly accounting: ExecutionAccounting;
  private readonly clock: Clock;
  private checkpointTimer: unknown = null;
  private stopping = false;

  constructor(private readonly deps: ExecutionServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.accounting = new ExecutionAccounting(deps.telemetry, deps.logger);
    this.armCheckpoints();
  }

  /**
   * Validates and stores a new execution (state pending).
   * @throws GraphValidationError / AppError `validation_failed` (400) for a bad graph or options;
   *   AppError `unavailable` (503) when the engine is at its live-execution limit.
   */
  async create(scope: Scope, input: CreateExecutionInput, context: CreateContext = {}): Promise<ExecutionView> {
    const parsed = CreateExecutionInput.safeParse(input);
    if (!parsed.success) throw new AppError("validation_failed", "invalid execution request", { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
    this.assertAccepting();
    const graph = validateGraph(parsed.data.graph, this.deps.registry);
    const row = await store.insertExecution(this.deps.database.db, scope, {
      id: randomUUID(),
      createdBy: scope.principalId,
      graph: graph.definition,
      graphRef: parsed.data.graphRef ?? null,
      options: parsed.data.options ?? {},
      state: "pending",
      createdAt: new Date(this.clock.now()),
    });
    return this.view(this.adopt(row, graph, undefined, context.traceId));
  }

  /** pending → initializing → running. @throws InvalidTransitionError (409), AppError `not_found`. */
  async start(scope: Pick<Scope, "orgId">, id: string): Promise<ExecutionView> {
    const live = await this.liveOf(scope, id, "initializing");
    live.starting = live.execution.start();
    try {
      await live.starting;
    } finally {
      live.starting = null;
    }
    await live.chain;
    return this.view(live);
  }

  /** The execution as it is now. @throws AppError `not_found`. */
  async get(scope: Pick<Scope, "orgId">, id: string): Promise<ExecutionView> {
    const live = this.live.get(id);
    if (live && live.row.orgId === scope.orgId) return this.view(live);
    return this.viewOfRow(await this.rowOf(scope, id));
  }

  /** The scope's executions, newest first. @throws AppError `validation_failed` for a bad query or cursor. */
  async list(scope: Pick<Scope, "orgId">, query: ListExecutionsInput): Promise<{ items: ExecutionView[]; nextCursor: string | null }> {
    const parsed = ListExecutionsInput.safeParse(query);
    if (!parsed.success) throw new AppError("validation_failed", "invalid list query", { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
    let page: Awaited<ReturnType<typeof store.listExecutions>>;
    try {
      page = await store.listExecutions(this.deps.database.db, scope, { limit: parsed.data.limit, ...(parsed.data.state ? { state: parsed.data.state } : {}), ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) });
    } catch (error) {
      if (error instanceof Error && error.message === "malformed cursor") throw new AppError("validation_failed", "malformed cursor", { issues: [{ path: "cursor", message: "malformed cursor" }] });
      throw error;
    }
    const items = page.items.map((row) => {
      const live = this.live.get(row.id);
      return live ? this.view(live) : this.viewOfRow(row);
    });
    return { items, nextCursor: page.nextCursor };
  }

  /** Offers a value (see `Execution.inject`): accepted, or backpressure with a retry hint. */
  async inject(scope: Pick<Scope, "orgId">, id: string, target: InjectTarget, value: unknown): Promise<InjectResult> {
    return (await this.liveOf(scope, id)).execution.inject(target, value);
  }

  /** Waits in line for room, then enqueues (see `Execution.injectWait`). */
  async injectWait(scope: Pick<Scope, "orgId">, id: string, target: InjectTarget, value: unknown, signal?: AbortSignal): Promise<{ sequence: number; queueDepth: number }> {
    return (await this.liveOf(scope, id)).execution.injectWait(target, value, signal);
  }

  /** running → paused; the paused execution (with its queue) is checkpointed. */
  async pause(scope: Pick<Scope, "orgId">, id: string): Promise<ExecutionView> {
    return this.control(scope, id, "paused", (e) => e.pause());
  }

  /** paused → running. */
  async resume(scope: Pick<Scope, "orgId">, id: string): Promise<ExecutionView> {
    return this.control(scope, id, "running", (e) => e.resume());
  }

  /** Any live state → cancelled. */
  async cancel(scope: Pick<Scope, "orgId">, id: string): Promise<ExecutionView> {
    return this.control(scope, id, "cancelled", (e) => e.cancel());
  }

  /** Closes the input; the execution completes once drained. */
  async end(scope: Pick<Scope, "orgId">, id: string): Promise<ExecutionView> {
    const live = await this.liveOf(scope, id);
    live.execution.end();
    return this.view(live);
  }

  /** Live metrics, or the final metrics of an ended execution. */
  async metrics(scope: Pick<Scope, "orgId">, id: string): Promise<ExecutionMetrics | null> {
    const live = this.live.get(id);
    if (live && live.row.orgId === scope.orgId) return live.execution.metrics();
    return (await this.rowOf(scope, id)).metrics ?? null;
  }

  /** Kept outputs: live, or those stored when the execution ended. */
  async outputs(scope: Pick<Scope, "orgId">, id: string): Promise<OutputRecord[]> {
    const live = this.live.get(id);
    if (live && live.row.orgId === scope.orgId) return live.execution.outputs();
    return (await this.rowOf(scope, id)).outputs ?? [];
  }

  /**
   * Subscribes to every event of a live execution (what a monitoring room relays).
   * @returns the unsubscribe function. @throws AppError `not_found`, `conflict` when it has ended.
   */
  async subscribe(scope: Pick<Scope, "orgId">, id: string, listener: <K extends ExecutionEventName>(event: K, payload: ExecutionEventMap[K]) => void): Promise<() => void> {
    return (await this.liveOf(scope, id)).execution.events.onAny(listener);
  }

  /** Writes a checkpoint of a running or paused execution now; returns its number. */
  async checkpoint(scope: Pick<Scope, "orgId">, id: string): Promise<{ seq: number }> {
    const live = await this.liveOf(scope, id);
    const seq = this.saveCheckpoint(live, live.execution.snapshot());
    await live.chain;
    return { seq };
  }

  /** This engine's totals (live executions by state, messages, inputs, queue depth) for Prometheus. */
  stats(): EngineStats {
    return this.accounting.stats();
  }

  /** Resolves when every pending database write of `id` is done (tests, shutdown). */
  async settled(id: string): Promise<void> {
    await this.live.get(id)?.chain;
  }

  /**
   * Resumes the executions this service was running when it stopped (every org): from their
   * latest checkpoint when there is one (component state, queued and in-flight values), else
   * from the start. One that cannot be resumed (its graph no longer validates) is failed.
   */
  async resumeAll(): Promise<{ resumed: string[]; failed: string[] }> {
    const resumed: string[] = [];
    const failed: string[] = [];
    for (const row of await store.listLiveExecutionsAcrossOrgs(this.deps.database.db)) {
      if (this.live.has(row.id)) continue;
      const scope = { orgId: row.orgId };
      const checkpoint = await store.findCheckpoint(this.deps.database.db, scope, row.id);
      let graph: ValidatedGraph;
      try {
        graph = validateGraph(row.graph, this.deps.registry);
      } catch (error) {
        const message = `cannot resume: ${error instanceof Error ? error.message : String(error)}`;
        await store.updateExecution(this.deps.database.db, scope, row.id, { state: "failed", error: { code: "resume_failed", message }, endedAt: new Date(this.clock.now()) });
        this.deps.logger.warn({ executionId: row.id, orgId: row.orgId }, "execution could not be resumed");
        failed.push(row.id);
        continue;
      }
      const live = this.adopt(row, graph, checkpoint?.snapshot);
      live.seq = checkpoint?.seq ?? 0;
      await live.execution.start();
      // Stored as paused but the checkpoint (if any) predates the pause: pause again rather than
      // run what the owner held.
      if (row.state === "paused" && live.execution.state === "running") live.execution.pause();
      await live.chain;
      (live.execution.state === "failed" ? failed : resumed).push(row.id);
      this.deps.logger.info({ executionId: row.id, orgId: row.orgId, fromCheckpoint: checkpoint?.seq ?? null, state: live.execution.state }, "execution resumed");
    }
    return { resumed, failed };
  }

  /**
   * For shutdown: stops automatic checkpoints, checkpoints every running or paused execution and
   * lets go of it (its stored state stays running/paused, so the next start resumes it), and
   * waits for every write. Pending executions stay pending in the database.
   */
  async suspend(): Promise<void> {
    this.stopping = true;
    if (this.checkpointTimer !== null) this.clock.clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    await Promise.allSettled([...this.live.values()].map((live) => live.starting));
    for (const live of [...this.live.values()]) {
      const state = live.execution.state;
      if (state === "running" || state === "paused") this.saveCheckpoint(live, live.execution.detach());
    }
    await Promise.allSettled([...this.live.values()].map((live) => live.chain));
    for (const live of this.live.values()) this.accounting.retire(live.tracked);
    this.live.clear();
  }

  // ---- internals ----

  private assertAccepting(): void {
    if (this.stopping) throw new AppError("unavailable", "runtime is stopping", undefined, { retryAfterSeconds: 5 });
    const limit = this.deps.maxLiveExecutions ?? 200;
    if (this.live.size >= limit) throw new AppError("unavailable", `the engine runs ${limit} executions already`, { limit }, { retryAfterSeconds: 5 });
  }

  private adopt(row: store.ExecutionRow, graph: ValidatedGraph, restore?: ExecutionSnapshot, traceId?: string): Live {
    const execution = new Execution({
      id: row.id,
      orgId: row.orgId,
      graph,
      options: { ...this.deps.defaults, ...row.options },
      clock: this.clock,
      logger: this.deps.logger,
      ...(restore ? { restore } : {}),
    });
    const tracked = this.accounting.track(execution, { createdBy: row.createdBy, graphRef: row.graphRef ?? null, ...(traceId ? { traceId } : {}) }, restore !== undefined);
    const live: Live = { execution, row, chain: Promise.resolve(), seq: 0, lastCheckpoint: "", starting: null, tracked };
    execution.events.on("state", (event) => this.onState(live, event));
    this.live.set(row.id, live);
    return live;
  }

  // Runs synchronously with the transition, so what is captured (snapshot, metrics) is exact.
  private onState(live: Live, event: StateEvent): void {
    const { execution } = live;
    const patch: store.ExecutionPatch = { state: event.to };
    if (event.to === "running" && !live.row.startedAt) patch.startedAt = new Date(event.at);
    if (isTerminal(event.to)) {
      patch.endedAt = new Date(event.at);
      patch.error = execution.error;
      patch.metrics = execution.metrics();
      patch.outputs = execution.outputs();
    }
    Object.assign(live.row, patch);
    const scope = { orgId: live.row.orgId };
    this.enqueue(live, async () => {
      if (isTerminal(event.to)) {
        await this.deps.database.withTransaction(async (tx) => {
          await store.updateExecution(tx, scope, live.row.id, patch);
          await store.deleteCheckpoint(tx, scope, live.row.id);
        });
      } else {
        await store.updateExecution(this.deps.database.db, scope, live.row.id, patch);
      }
    });
    if (event.to === "paused") this.saveCheckpoint(live, execution.snapshot());
    if (isTerminal(event.to)) {
      // Forget the live object once its last write is done; later reads come from the database.
      void live.chain.then(() => {
        if (this.live.get(live.row.id) === live) this.live.delete(live.row.id);
        live.execution.events.clear();
      });
    }
  }

  private saveCheckpoint(live: Live, snapshot: ExecutionSnapshot): number {
    const seq = ++live.seq;
    live.lastCheckpoint = this.signature(live.execution);
    const scope = { orgId: live.row.orgId };
    this.enqueue(live, () => store.saveCheckpoint(this.deps.database.db, scope, live.row.id, seq, snapshot));
    return seq;
  }

  private enqueue(live: Live, task: () => Promise<void>): void {
    live.chain = live.chain.then(task).catch((error: unknown) => {
      this.deps.logger.error({ executionId: live.row.id, orgId: live.row.orgId, err: error instanceof Error ? error.message : String(error) }, "execution write failed");
    });
  }

  private signature(execution: Execution): string {
    const m = execution.metrics();
    const moved = m.nodes.reduce((n, node) => n + node.messagesIn + node.messagesOut, 0);
    return `${m.state}/${m.inputsAccepted}/${m.queue.depth}/${moved}/${m.outputs}`;
  }

  private armCheckpoints(): void {
    const period = this.deps.checkpointIntervalMs ?? 5_000;
    if (period <= 0 || this.stopping) return;
    this.checkpointTimer = this.clock.setTimeout(() => {
      this.checkpointTimer = null;
      for (const live of this.live.values()) {
        const { state } = live.execution;
        if ((state === "running" || state === "paused") && !live.execution.isDetached && this.signature(live.execution) !== live.lastCheckpoint) {
          this.saveCheckpoint(live, live.execution.snapshot());
        }
      }
      this.armCheckpoints();
    }, period);
    (this.checkpointTimer as { unref?: () => void } | null)?.unref?.();
  }

  private async control(scope: Pick<Scope, "orgId">, id: string, to: ExecutionState, act: (execution: Execution) => void): Promise<ExecutionView> {
    const live = await this.liveOf(scope, id, to);
    act(live.execution);
    await live.chain;
    return this.view(live);
  }

  // The live execution `id`; a stored pending one not yet live here is instantiated. For an ended
  // one, the transition to `intent` (when given) is checked so the caller gets the typed 409.
  private async liveOf(scope: Pick<Scope, "orgId">, id: string, intent?: ExecutionState): Promise<Live> {
    const live = this.live.get(id);
    if (live && live.row.orgId === scope.orgId) return live;
    const row = await this.rowOf(scope, id);
    if (row.state === "pending") {
      this.assertAccepting();
      return this.live.get(id) ?? this.adopt(row, validateGraph(row.graph, this.deps.registry));
    }
    if (intent) assertTransition(row.state, intent);
    if (isTerminal(row.state)) throw new AppError("conflict", `execution is ${row.state}`, { state: row.state });
    throw new AppError("unavailable", "execution is not running in this engine", { state: row.state }, { retryAfterSeconds: 5 });
  }

  private async rowOf(scope: Pick<Scope, "orgId">, id: string): Promise<store.ExecutionRow> {
    if (!z.uuid().safeParse(id).success) throw new AppError("not_found", "execution not found");
    const row = await store.findExecution(this.deps.database.db, scope, id);
    if (!row) throw new AppError("not_found", "execution not found");
    return row;
  }

  private view(live: Live): ExecutionView {
    const { execution, row } = live;
    return {
      ...this.viewOfRow(row, execution.graph),
      state: execution.state,
      error: execution.error,
      inputEnded: execution.inputEnded,
    };
  }

  private viewOfRow(row: store.ExecutionRow, validated?: ValidatedGraph): ExecutionView {
    return viewOfRow(row, this.deps.registry, validated);
  }
}
