import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { z } from "zod";
import {
  CodeToolInvokeParams, ContextUpdateParams, HandoffCreateParams, LlmInvokeParams, MessageSendParams,
} from "../actions/params.js";
import { OnError, type Action, type ActionType } from "../actions/schemas.js";
import { checkAction } from "../actions/validate.js";
import { checkCondition, ConditionNode } from "../rules/conditions.js";
import { issuesFromZod, type ValidationResult } from "../rules/issues.js";
import { joinPath, RULE_ROOTS, type FieldRoots, type ValidationIssue } from "../rules/paths.js";

/** Node types of a prompt graph. */
export const NODE_TYPES = ["llm", "router", "condition", "message", "tool", "handoff", "parallel", "join", "context"] as const;
/** One of {@link NODE_TYPES}. */
export type NodeType = (typeof NODE_TYPES)[number];

/** The action a node of each effect type runs (its `config` is that action's params). */
export const NODE_ACTIONS = {
  llm: "llm.invoke",
  message: "message.send",
  tool: "code.tool.invoke",
  handoff: "handoff.create",
  context: "context.update",
} as const satisfies Partial<Record<NodeType, ActionType>>;

const NodeId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "a node id is a letter then up to 63 letters, digits, _ or -");
const PortName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, "a port name is a letter then up to 31 letters, digits, _ or -");

const common = {
  id: NodeId,
  label: z.string().max(200).optional(),
  onError: OnError.optional(),
  timeoutMs: z.int().min(1).max(600_000).optional(),
};
const node = <T extends NodeType, C extends z.ZodType>(type: T, config: C) => z.object({ type: z.literal(type), config, ...common }).strict();

/** A router's routes: the first whose `when` holds gets the input; otherwise `defaultPort`. */
export const RouterConfig = z
  .object({
    routes: z.array(z.object({ port: PortName, when: ConditionNode }).strict()).min(1).max(20),
    defaultPort: PortName.default("default"),
  })
  .strict();

/**
 * A node: `{ id, type, config, onError?, timeoutMs? }`. `llm`, `message`, `tool`, `handoff` and
 * `context` take the params of the matching action (`NODE_ACTIONS`) without `saveAs` (a node's
 * result is `nodes.<id>`); `router` and `condition` take conditions over the same roots plus
 * `input` and `nodes`; `parallel` and `join` take nothing.
 */
export const GraphNode = z.discriminatedUnion("type", [
  node("llm", LlmInvokeParams),
  node("router", RouterConfig),
  node("condition", z.object({ if: ConditionNode }).strict()),
  node("message", MessageSendParams),
  node("tool", CodeToolInvokeParams),
  node("handoff", HandoffCreateParams),
  node("parallel", z.object({}).strict().default({})),
  node("join", z.object({}).strict().default({})),
  node("context", ContextUpdateParams),
]);
/** A parsed node. */
export type GraphNode = z.infer<typeof GraphNode>;

/** An edge from a node's output port to another node's input (`in`, the only input port). */
export const GraphEdge = z
  .object({ from: NodeId, fromPort: PortName.default("out"), to: NodeId, toPort: PortName.default("in") })
  .strict();
/** A parsed edge. */
export type GraphEdge = z.infer<typeof GraphEdge>;

/** A prompt graph: a DAG of at most 200 nodes and 1,000 edges; nodes without inputs get the run input. */
export const PromptGraph = z
  .object({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2_000).optional(),
    nodes: z.array(GraphNode).min(1).max(200),
    edges: z.array(GraphEdge).max(1_000).default([]),
    /** Most nodes running at once. */
    maxConcurrency: z.int().min(1).max(16).default(4),
  })
  .strict();
/** A parsed prompt graph. */
export type PromptGraph = z.infer<typeof PromptGraph>;
/** A prompt graph as written. */
export type PromptGraphInput = z.input<typeof PromptGraph>;

/** The output ports of a node. */
export function outputPorts(node: GraphNode): string[] {
  if (node.type === "router") return [...node.config.routes.map((r) => r.port), node.config.defaultPort];
  if (node.type === "condition") return ["true", "false"];
  return ["out"];
}

/** The action a node of an effect type stands for, or null for router/condition/parallel/join. */
export function nodeAction(node: GraphNode): Action | null {
  if (!(node.type in NODE_ACTIONS)) return null;
  const type = NODE_ACTIONS[node.type as keyof typeof NODE_ACTIONS];
  const action = { type, params: node.config } as Action;
  if (node.onError) action.onError = node.onError;
  if (node.timeoutMs !== undefined) action.timeoutMs = node.timeoutMs;
  return action;
}

/** SHA-256 (hex) of the graph's RFC 8785 canonical JSON: ties a run's checkpoints to the graph it ran. */
export function graphDigest(graph: PromptGraph): string {
  return createHash("sha256").update(canonicalize(graph) ?? "").digest("hex");
}

/** A validated graph with its derived structure. */
export interface CompiledGraph {
  graph: PromptGraph;
  digest: string;
  byId: Map<string, GraphNode>;
  /** Node ids in a topological order. */
  order: string[];
  /** Edge indices into / out of each node. */
  incoming: Map<string, number[]>;
  outgoing: Map<string, number[]>;
}

function findCycle(ids: string[], outgoing: Map<string, number[]>, edges: GraphEdge[]): string[] {
  const color = new Map<string, 0 | 1 | 2>(ids.map((id) => [id, 0]));
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    color.set(id, 1);
    stack.push(id);
    for (const e of outgoing.get(id) ?? []) {
      const next = edges[e]!.to;
      if (color.get(next) === 1) return [...stack.slice(stack.indexOf(next)), next];
      if (color.get(next) === 0) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    color.set(id, 2);
    return null;
  };
  for (const id of ids) {
    if (color.get(id) === 0) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return [];
}

/**
 * Publish-time validation of a prompt graph: the schema (an unknown node type is an
 * `unknown_node_type` issue at `nodes[i].type`), unique node ids, edges between existing nodes
 * and existing ports, no duplicate edges, acyclic (the cycle is named), joins with at least two
 * inputs from distinct nodes, distinct router ports, no `saveAs` in node configs, and every
 * template and condition referencing known roots — `nodes.<id>` only for ancestors of the node.
 */
export function validateGraph(input: unknown): ValidationResult<CompiledGraph> {
  const parsed = PromptGraph.safeParse(input);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error.issues) };
  const graph = parsed.data;
  const issues: ValidationIssue[] = [];
  const byId = new Map<string, GraphNode>();
  const indexOf = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    if (byId.has(n.id)) issues.push({ path: `nodes[${i}].id`, code: "duplicate_id", message: `node id "${n.id}" is already used by nodes[${indexOf.get(n.id)}]` });
    else {
      byId.set(n.id, n);
      indexOf.set(n.id, i);
    }
    if (n.type === "router") {
      const ports = outputPorts(n);
      ports.forEach((port, j) => {
        if (ports.indexOf(port) !== j) issues.push({ path: `nodes[${i}].config`, code: "duplicate_port", message: `router port "${port}" is declared twice` });
      });
    }
    if ("saveAs" in n.config && n.config.saveAs !== undefined) {
      issues.push({ path: `nodes[${i}].config.saveAs`, code: "invalid_params", message: "graph nodes do not save variables; read nodes.<id> instead" });
    }
  });
  const incoming = new Map<string, number[]>(graph.nodes.map((n) => [n.id, []]));
  const outgoing = new Map<string, number[]>(graph.nodes.map((n) => [n.id, []]));
  const seenEdges = new Map<string, number>();
  graph.edges.forEach((edge, i) => {
    const from = byId.get(edge.from);
    const to = byId.get(edge.to);
    if (!from) issues.push({ path: `edges[${i}].from`, code: "unknown_node", message: `no node "${edge.from}"` });
    if (!to) issues.push({ path: `edges[${i}].to`, code: "unknown_node", message: `no node "${edge.to}"` });
    if (from && !outputPorts(from).includes(edge.fromPort)) {
      issues.push({ path: `edges[${i}].fromPort`, code: "unknown_port", message: `node "${from.id}" (${from.type}) has no output port "${edge.fromPort}"; it has ${outputPorts(from).join(", ")}` });
    }
    if (edge.toPort !== "in") issues.push({ path: `edges[${i}].toPort`, code: "unknown_port", message: `nodes have one input port, "in"` });
    const key = `${edge.from}.${edge.fromPort}->${edge.to}`;
    const twin = seenEdges.get(key);
    if (twin !== undefined) issues.push({ path: `edges[${i}]`, code: "duplicate_edge", message: `same edge as edges[${twin}]` });
    seenEdges.set(key, i);
    if (from && to) {
      outgoing.get(from.id)!.push(i);
      incoming.get(to.id)!.push(i);
    }
  });
  if (issues.length > 0) return { ok: false, issues };

  // Kahn's algorithm: a topological order, or a cycle.
  const remaining = new Map(graph.nodes.map((n) => [n.id, incoming.get(n.id)!.length]));
  const queue = graph.nodes.filter((n) => remaining.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    order.push(id);
    for (const e of outgoing.get(id)!) {
      const to = graph.edges[e]!.to;
      remaining.set(to, remaining.get(to)! - 1);
      if (remaining.get(to) === 0) queue.push(to);
    }
  }
  if (order.length < graph.nodes.length) {
    const cycle = findCycle(graph.nodes.map((n) => n.id), outgoing, graph.edges);
    return { ok: false, issues: [{ path: "edges", code: "cycle", message: `the graph has a cycle: ${cycle.join(" → ")}` }] };
  }

  const ancestors = new Map<string, Set<string>>();
  for (const id of order) {
    const mine = new Set<string>();
    for (const e of incoming.get(id)!) {
      const from = graph.edges[e]!.from;
      mine.add(from);
      for (const a of ancestors.get(from)!) mine.add(a);
    }
    ancestors.set(id, mine);
  }
  for (const n of graph.nodes) {
    const i = indexOf.get(n.id)!;
    const path = `nodes[${i}]`;
    if (n.type === "join") {
      const sources = incoming.get(n.id)!.map((e) => graph.edges[e]!.from);
      if (sources.length < 2) issues.push({ path, code: "join_inputs", message: "a join needs at least two incoming edges" });
      if (new Set(sources).size !== sources.length) issues.push({ path, code: "join_inputs", message: "a join takes at most one edge from each node" });
    }
    const roots: FieldRoots = new Map([...RULE_ROOTS, ["input", null], ["nodes", ancestors.get(n.id)!]]);
    if (n.type === "router") n.config.routes.forEach((r, j) => issues.push(...checkCondition(r.when, roots, joinPath(path, `config.routes[${j}].when`))));
    if (n.type === "condition") issues.push(...checkCondition(n.config.if, roots, joinPath(path, "config.if")));
    const action = nodeAction(n);
    if (action) {
      const found: ValidationIssue[] = [];
      checkAction(action, { roots, vars: false, saved: new Set(), inLoop: false }, path, found);
      issues.push(...found.map((issue) => ({ ...issue, path: issue.path.replace(`${path}.params`, `${path}.config`) })));
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { graph, digest: graphDigest(graph), byId, order, incoming, outgoing } };
}
