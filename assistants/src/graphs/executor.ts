import { AppError } from "@symbia/sys";
import { runAction } from "../actions/executor.js";
import { ActionFailure, forLog, Run, RunCancelled, type ActionRecord, type ExecuteOptions, type RunConversation } from "../actions/runtime.js";
import { evaluateCondition, type Justification } from "../rules/conditions.js";
import { nodeAction, outputPorts, type CompiledGraph, type GraphNode } from "./graph.js";

/** Where a node stands in a run. */
export type NodeStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

/** One node's part of a run: what it received, what it emitted on which port, when, how long. */
export interface NodeRun {
  status: NodeStatus;
  input?: unknown;
  /** The value the node emitted (also `nodes.<id>` for later nodes). */
  output?: unknown;
  /** The port it emitted on. */
  port?: string;
  /** Router / condition: why that port. */
  justification?: Justification;
  /** The node's action record (attempts, rendered params) for effect nodes. */
  action?: ActionRecord;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** How many times the node was started (a resume after an interruption starts it again). */
  starts: number;
  error?: { code: string; message: string };
}

/** What an edge carried: a value, or `skip` (its source did not emit on that port, or was skipped). */
export type EdgeToken = { kind: "value"; value: unknown } | { kind: "skip" };

/**
 * The whole state of a graph run: plain JSON, given to `checkpoint` after every node starts and
 * after every node ends, and enough to resume the run in another process.
 */
export interface GraphRunState {
  version: 1;
  runId: string;
  /** {@link graphDigest} of the graph: a run resumes only on the same graph. */
  graphDigest: string;
  status: "running" | "completed" | "failed" | "cancelled";
  input: unknown;
  scope: {
    event: Record<string, unknown>;
    message?: Record<string, unknown>;
    user?: Record<string, unknown>;
    conversation?: RunConversation;
    context: Record<string, unknown>;
  };
  nodes: Record<string, NodeRun>;
  /** Token per edge index; null while nothing came through. */
  edges: Array<EdgeToken | null>;
  /** Values emitted by nodes without outgoing edges. */
  outputs: Record<string, unknown>;
  error?: { nodeId?: string; code: string; message: string };
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/** Options of {@link executeGraph} and {@link resumeGraphRun}. */
export interface GraphRunOptions extends Omit<ExecuteOptions, "onRecord"> {
  /** Receives a copy of the run state after every node starts and ends; awaited, one at a time. A throw aborts the run. */
  checkpoint?: (state: GraphRunState) => void | Promise<void>;
  /** Resume only: what to do with a node that was running when the run was interrupted (default `retry`: run it again). */
  interrupted?: "retry" | "fail";
}

/** Where the run starts: the input given to entry nodes and the event data templates see. */
export interface GraphRunInput {
  input?: unknown;
  event?: Record<string, unknown>;
  message?: Record<string, unknown>;
  user?: Record<string, unknown>;
  conversation?: RunConversation;
  context?: Record<string, unknown>;
}

const now = () => new Date().toISOString();

/** A fresh run state for a compiled graph. */
export function newGraphRunState(compiled: CompiledGraph, start: GraphRunInput, runId = `run_${crypto.randomUUID()}`): GraphRunState {
  const scope: GraphRunState["scope"] = { event: start.event ?? {}, context: structuredClone(start.context ?? {}) };
  if (start.message) scope.message = start.message;
  if (start.user) scope.user = start.user;
  if (start.conversation) scope.conversation = { ...start.conversation };
  return {
    version: 1, runId, graphDigest: compiled.digest, status: "running", input: start.input ?? null, scope,
    nodes: Object.fromEntries(compiled.graph.nodes.map((n) => [n.id, { status: "pending" as const, starts: 0 }])),
    edges: compiled.graph.edges.map(() => null), outputs: {}, startedAt: now(), updatedAt: now(),
  };
}

/**
 * Runs a validated graph with message-passing semantics. Nodes without inputs get the run input;
 * a node runs once every edge into it carried a token, with the value that came (a join gets
 * `{ <source node id>: value }` of every value that came); a node that received only `skip`s is
 * skipped and passes `skip` on (dead-path elimination, so a join after a router never waits
 * forever); a non-join node that receives two values fails (use a join). Effect nodes run their
 * action through `options.effects` with the `onError` policy (a node failing under `continue`
 * emits `skip`); up to `maxConcurrency` nodes run at once. The state is checkpointed after
 * every node starts and ends.
 *
 * @returns the final state (status completed, failed or cancelled; never throws for a node failure).
 * @throws whatever `checkpoint` throws.
 */
export function executeGraph(compiled: CompiledGraph, start: GraphRunInput, options: GraphRunOptions): Promise<GraphRunState> {
  return drive(compiled, newGraphRunState(compiled, start, options.runId), options);
}

/**
 * Continues a run from its last checkpoint. Finished nodes are not run again (their outputs are
 * in the state); a node that was `running` is run again (`interrupted: "retry"`, at-least-once:
 * its effects get the same idempotency keys) or fails the run with the reason
 * (`interrupted: "fail"`). A finished run is returned as is.
 * @throws AppError("conflict") when the state belongs to another graph (digest mismatch).
 */
export function resumeGraphRun(compiled: CompiledGraph, saved: GraphRunState, options: GraphRunOptions): Promise<GraphRunState> {
  if (saved.graphDigest !== compiled.digest) {
    throw new AppError("conflict", "the run state belongs to another version of the graph", { runId: saved.runId, expected: compiled.digest, got: saved.graphDigest });
  }
  const state = structuredClone(saved);
  if (state.status !== "running") return Promise.resolve(state);
  for (const [id, node] of Object.entries(state.nodes)) {
    if (node.status !== "running") continue;
    if ((options.interrupted ?? "retry") === "retry") {
      node.status = "pending";
    } else {
      node.status = "failed";
      node.error = { code: "interrupted", message: `node ${id} was running when the run was interrupted and is not retried` };
      state.status = "failed";
      state.error = { nodeId: id, ...node.error };
      state.finishedAt = now();
    }
  }
  if (state.status !== "running") return options.checkpoint ? Promise.resolve(options.checkpoint(structuredClone(state))).then(() => state) : Promise.resolve(state);
  return drive(compiled, state, { ...options, runId: state.runId });
}

type NodeResult = { port: string | null; value?: unknown; justification?: Justification; failed?: { code: string; message: string }; continued?: boolean };

async function drive(compiled: CompiledGraph, state: GraphRunState, options: GraphRunOptions): Promise<GraphRunState> {
  const { graph } = compiled;
  const controller = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  outer?.addEventListener("abort", onOuterAbort, { once: true });

  const records = new Map<string, ActionRecord>();
  const run = new Run(
    { ...state.scope, vars: {} },
    { ...options, runId: state.runId, signal: controller.signal, onRecord: (record) => void records.set(record.path, record) },
  );

  let chain: Promise<void> = Promise.resolve();
  const checkpoint = (): Promise<void> => {
    state.updatedAt = now();
    state.scope.context = run.context;
    if (run.conversation) state.scope.conversation = run.conversation;
    const snapshot = structuredClone(state);
    chain = chain.then(() => options.checkpoint?.(snapshot));
    return chain;
  };

  const inputOf = (node: GraphNode): { ready: boolean; skipped?: boolean; value?: unknown; error?: string } => {
    const edges = compiled.incoming.get(node.id)!;
    if (edges.length === 0) return { ready: true, value: state.input };
    const tokens = edges.map((e) => state.edges[e]);
    if (tokens.some((t) => t === null)) return { ready: false };
    const values = edges.filter((e) => state.edges[e]!.kind === "value").map((e) => ({ from: graph.edges[e]!.from, value: (state.edges[e] as { value: unknown }).value }));
    if (values.length === 0) return { ready: true, skipped: true };
    if (node.type === "join") return { ready: true, value: Object.fromEntries(values.map((v) => [v.from, v.value])) };
    if (values.length > 1) return { ready: true, value: null, error: `node ${node.id} received ${values.length} values (from ${values.map((v) => v.from).join(", ")}); use a join node` };
    return { ready: true, value: values[0]!.value };
  };

  const emit = (node: GraphNode, port: string | null, value: unknown) => {
    for (const e of compiled.outgoing.get(node.id)!) {
      state.edges[e] = port !== null && graph.edges[e]!.fromPort === port ? { kind: "value", value } : { kind: "skip" };
    }
    if (port !== null && compiled.outgoing.get(node.id)!.length === 0) state.outputs[node.id] = value;
  };

  const nodeOutputs = () =>
    Object.fromEntries(Object.entries(state.nodes).filter(([, n]) => n.status === "succeeded").map(([id, n]) => [id, n.output]));

  const runNode = async (node: GraphNode, input: unknown): Promise<NodeResult> => {
    const frame = { extra: { input, nodes: nodeOutputs() } };
    if (node.type === "router" || node.type === "condition") {
      const scope = run.scope(frame);
      if (node.type === "condition") {
        const justification = evaluateCondition(node.config.if, scope, `nodes.${node.id}.config.if`);
        return { port: justification.result ? "true" : "false", value: input, justification };
      }
      for (const [j, route] of node.config.routes.entries()) {
        const justification = evaluateCondition(route.when, scope, `nodes.${node.id}.config.routes[${j}].when`);
        if (justification.result) return { port: route.port, value: input, justification };
      }
      return { port: node.config.defaultPort, value: input };
    }
    if (node.type === "parallel" || node.type === "join") return { port: "out", value: input };
    const action = nodeAction(node)!;
    const outcome = await runAction(action, run, frame, `nodes.${node.id}`, controller.signal);
    if (!outcome.ok) return { port: null, failed: { code: outcome.error.code, message: outcome.error.message }, continued: true };
    return { port: "out", value: node.type === "context" ? input : outcome.output };
  };

  const inFlight = new Map<string, Promise<void>>();
  let failure: GraphRunState["error"] | undefined;

  const start = (node: GraphNode, input: unknown) => {
    const record = state.nodes[node.id]!;
    record.status = "running";
    record.input = forLog(input);
    record.startedAt = now();
    record.starts += 1;
    delete record.error;
    const began = performance.now();
    const task = (async () => {
      await checkpoint();
      let result: NodeResult;
      try {
        result = await runNode(node, input);
      } catch (error) {
        if (error instanceof RunCancelled || controller.signal.aborted) {
          record.status = "cancelled";
          result = { port: null };
        } else {
          const cause = error instanceof ActionFailure ? error.cause : error instanceof Error ? error : new Error(String(error));
          result = { port: null, failed: { code: "code" in cause && typeof cause.code === "string" ? cause.code : "node_failed", message: cause.message } };
        }
      }
      record.finishedAt = now();
      record.durationMs = Math.round(performance.now() - began);
      const actionRecord = records.get(`nodes.${node.id}`);
      if (actionRecord) record.action = actionRecord;
      if (result.justification) record.justification = result.justification;
      if (record.status !== "cancelled") {
        if (result.failed) {
          record.status = "failed";
          record.error = result.failed;
          if (!result.continued && !failure) {
            failure = { nodeId: node.id, ...result.failed };
            controller.abort(new Error(`node ${node.id} failed`));
          }
        } else {
          record.status = "succeeded";
          record.output = result.value;
          if (result.port !== null) record.port = result.port;
        }
      }
      if (record.status !== "cancelled") emit(node, record.status === "succeeded" ? (result.port ?? null) : null, result.value);
      await checkpoint();
    })();
    inFlight.set(node.id, task.finally(() => inFlight.delete(node.id)));
  };

  try {
    for (;;) {
      let progressed = true;
      while (progressed) {
        progressed = false;
        for (const id of compiled.order) {
          const record = state.nodes[id]!;
          if (record.status !== "pending" || controller.signal.aborted) continue;
          const node = compiled.byId.get(id)!;
          const input = inputOf(node);
          if (!input.ready) continue;
          if (input.skipped) {
            record.status = "skipped";
            emit(node, null, undefined);
            await checkpoint();
            progressed = true;
            continue;
          }
          if (input.error) {
            Object.assign(record, { status: "failed", input: forLog(input.value), error: { code: "multiple_inputs", message: input.error }, finishedAt: now() });
            failure ??= { nodeId: id, code: "multiple_inputs", message: input.error };
            controller.abort(new Error(input.error));
            await checkpoint();
            continue;
          }
          if (inFlight.size >= graph.maxConcurrency) continue;
          start(node, input.value);
          progressed = true;
        }
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
    await chain;
  } catch (error) {
    // A checkpoint failed: stop every node still running, then report it.
    controller.abort(error);
    await Promise.allSettled(inFlight.values());
    throw error;
  } finally {
    outer?.removeEventListener("abort", onOuterAbort);
  }

  state.scope.context = run.context;
  if (run.conversation) state.scope.conversation = run.conversation;
  if (failure) {
    state.status = "failed";
    state.error = failure;
  } else if (outer?.aborted) {
    state.status = "cancelled";
    state.error = { code: "cancelled", message: "the run was cancelled" };
  } else {
    state.status = "completed";
  }
  state.finishedAt = now();
  await checkpoint();
  return state;
}
