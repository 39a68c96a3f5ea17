import type { z } from "zod";
import { GraphValidationError, type GraphIssue } from "../errors.js";
import { schemaIncompatibility, schemaProblem, validateValue } from "../components/json-schema.js";
import { ERROR_PORT, ERROR_PORT_SCHEMA, resolvePorts, type ComponentDefinition, type ComponentRegistry, type PortSpec } from "../components/manifest.js";
import { topologicalOrder } from "./graph.order.js";
import { GraphDefinition, parsePortRef, type GraphNode } from "./graph.schemas.js";

/** A node of a validated graph: its definition, component and resolved ports. */
export interface ResolvedNode {
  id: string;
  /** Position in the definition's `nodes`. */
  index: number;
  definition: GraphNode;
  component: ComponentDefinition;
  inputs: Map<string, PortSpec>;
  /** Includes the implicit `error` port. */
  outputs: Map<string, PortSpec>;
}

/** One end of a connection. */
export interface Endpoint {
  node: string;
  port: string;
}

/** A graph that passed {@link validateGraph}: ready to execute. */
export interface ValidatedGraph {
  definition: GraphDefinition;
  /** Node ids in execution (topological) order. */
  order: string[];
  nodes: Map<string, ResolvedNode>;
  /** `node.port` of an output → the inputs it feeds, in edge order. */
  routes: Map<string, Endpoint[]>;
  /** Input ports no edge feeds: where values are injected. */
  openInputs: Endpoint[];
  /** Output ports that feed nothing: their values are the execution's outputs. Error ports only for nodes with `onError: "port"`. */
  openOutputs: Endpoint[];
}

const ERROR_PORT_SPEC: PortSpec = { name: ERROR_PORT, description: "Errors of this node (with onError: port)", schema: ERROR_PORT_SCHEMA };

/**
 * Parses and checks a graph definition against the components in `registry`: the shape (zod),
 * unique node ids, known components and versions, each node's config against its component's
 * config schema, port types that compile, edges between existing ports, compatible port types
 * on every edge (see `schemaIncompatibility`), and no cycle. Computes the execution order with
 * Kahn's algorithm.
 *
 * @throws GraphValidationError listing every issue with its path in the definition
 *   (`nodes.1.config.expression`, `edges.0.to`, ...); a cycle is named node by node.
 */
export function validateGraph(input: unknown, registry: ComponentRegistry): ValidatedGraph {
  const parsed = GraphDefinition.safeParse(input);
  if (!parsed.success) throw new GraphValidationError(zodIssues(parsed.error));
  const definition = parsed.data;
  const issues: GraphIssue[] = [];

  const nodes = new Map<string, ResolvedNode>();
  definition.nodes.forEach((node, index) => {
    if (nodes.has(node.id)) {
      issues.push({ path: `nodes.${index}.id`, message: `duplicate node id "${node.id}"` });
      return;
    }
    const resolved = resolveNode(node, index, registry, issues);
    if (resolved) nodes.set(node.id, resolved);
  });

  const routes = new Map<string, Endpoint[]>();
  const fedInputs = new Set<string>();
  const seenEdges = new Set<string>();
  const nodeEdges: Array<[string, string]> = [];
  definition.edges.forEach((edge, i) => {
    const from = parsePortRef(edge.from);
    const to = parsePortRef(edge.to);
    const source = nodes.get(from.node);
    const target = nodes.get(to.node);
    let ok = true;
    if (!definition.nodes.some((n) => n.id === from.node)) {
      issues.push({ path: `edges.${i}.from`, message: `unknown node "${from.node}"` });
      ok = false;
    } else if (source && !source.outputs.has(from.port)) {
      issues.push({ path: `edges.${i}.from`, message: `node "${from.node}" (${source.definition.component}) has no output port "${from.port}"; outputs: ${[...source.outputs.keys()].join(", ")}` });
      ok = false;
    }
    if (!definition.nodes.some((n) => n.id === to.node)) {
      issues.push({ path: `edges.${i}.to`, message: `unknown node "${to.node}"` });
      ok = false;
    } else if (target && !target.inputs.has(to.port)) {
      issues.push({ path: `edges.${i}.to`, message: `node "${to.node}" (${target.definition.component}) has no input port "${to.port}"; inputs: ${[...target.inputs.keys()].join(", ") || "none"}` });
      ok = false;
    }
    if (!ok || !source || !target) return;
    const key = `${edge.from}->${edge.to}`;
    if (seenEdges.has(key)) {
      issues.push({ path: `edges.${i}`, message: `duplicate edge ${edge.from} → ${edge.to}` });
      return;
    }
    seenEdges.add(key);
    const outSchema = (source.outputs.get(from.port) as PortSpec).schema;
    const inSchema = (target.inputs.get(to.port) as PortSpec).schema;
    const reason = schemaProblem(outSchema) ?? schemaProblem(inSchema) ?? schemaIncompatibility(outSchema, inSchema);
    if (reason) {
      issues.push({ path: `edges.${i}`, message: `${edge.from} → ${edge.to}: port types are incompatible: ${reason}` });
      return;
    }
    const list = routes.get(edge.from) ?? [];
    list.push(to);
    routes.set(edge.from, list);
    fedInputs.add(edge.to);
    nodeEdges.push([from.node, to.node]);
  });

  const ordered = topologicalOrder(
    definition.nodes.map((n) => n.id).filter((id, i, all) => all.indexOf(id) === i),
    nodeEdges,
  );
  if (!ordered.ok) issues.push({ path: "edges", message: `cycle: ${ordered.cycle.join(" → ")}`, cycle: ordered.cycle });
  if (issues.length > 0 || !ordered.ok) throw new GraphValidationError(issues);

  const openInputs: Endpoint[] = [];
  const openOutputs: Endpoint[] = [];
  for (const id of ordered.order) {
    const node = nodes.get(id) as ResolvedNode;
    for (const port of node.inputs.keys()) if (!fedInputs.has(`${id}.${port}`)) openInputs.push({ node: id, port });
    for (const port of node.outputs.keys()) {
      if (port === ERROR_PORT && node.definition.onError !== "port") continue;
      if (!routes.has(`${id}.${port}`)) openOutputs.push({ node: id, port });
    }
  }
  return { definition, order: ordered.order, nodes, routes, openInputs, openOutputs };
}

function resolveNode(node: GraphNode, index: number, registry: ComponentRegistry, issues: GraphIssue[]): ResolvedNode | null {
  const component = registry.get(node.component, node.version);
  if (!component) {
    const known = registry.versions(node.component);
    issues.push(
      known.length === 0
        ? { path: `nodes.${index}.component`, message: `unknown component "${node.component}"` }
        : { path: `nodes.${index}.version`, message: `component "${node.component}" has no version ${node.version}; known: ${known.join(", ")}` },
    );
    return null;
  }
  const configIssues = validateValue(component.manifest.config, node.config);
  if (configIssues.length > 0) {
    for (const issue of configIssues) issues.push({ path: `nodes.${index}.config${pointerToPath(issue.path)}`, message: issue.message });
    return null;
  }
  const extra = component.checkConfig?.(node.config) ?? [];
  for (const [path, message] of extra) issues.push({ path: `nodes.${index}.config${path ? `.${path}` : ""}`, message });
  if (extra.length > 0) return null;

  const ports = resolvePorts(component, node.config);
  for (const port of [...ports.inputs, ...ports.outputs]) {
    const problem = schemaProblem(port.schema);
    if (problem) {
      issues.push({ path: `nodes.${index}.config`, message: `port "${port.name}" has an invalid type: ${problem}` });
      return null;
    }
  }
  return {
    id: node.id,
    index,
    definition: node,
    component,
    inputs: new Map(ports.inputs.map((p) => [p.name, p])),
    outputs: new Map([...ports.outputs, ERROR_PORT_SPEC].map((p) => [p.name, p])),
  };
}

// JSON Pointer "/a/0/b" → ".a.0.b" (RFC 6901 escapes decoded).
function pointerToPath(pointer: string): string {
  if (!pointer) return "";
  return pointer
    .split("/")
    .slice(1)
    .map((part) => `.${part.replace(/~1/g, "/").replace(/~0/g, "~")}`)
    .join("");
}

function zodIssues(error: z.ZodError): GraphIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
}
