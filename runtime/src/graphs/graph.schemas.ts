import { z } from "zod";

/** A node id: an identifier, unique within its graph. */
export const NodeId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "a node id is an identifier (letters, digits, _ and -)");

/** An edge endpoint written `node.port`. */
export const PortRef = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}\.[a-z][A-Za-z0-9_]{0,63}$/, "an endpoint is written node.port");

/** What a node does when it fails on a value: fail the whole execution, or emit on its `error` port. */
export const OnError = z.enum(["fail", "port"]);
export type OnError = z.infer<typeof OnError>;

/** One node: an instance of a component at a version, with its config. */
export const GraphNode = z.object({
  id: NodeId,
  /** Component id (a built-in such as `map`, or a registered component). */
  component: z.string().min(1).max(200),
  /** `MAJOR.MINOR.PATCH`; absent → the highest registered version. */
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/)
    .optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  onError: OnError.default("fail"),
});
export type GraphNode = z.infer<typeof GraphNode>;

/** A connection from an output port to an input port: `{ from: "a.out", to: "b.in" }`. */
export const GraphEdge = z.object({ from: PortRef, to: PortRef });
export type GraphEdge = z.infer<typeof GraphEdge>;

/** Most nodes and edges in one graph: keeps validation and per-node state bounded. */
export const GRAPH_LIMITS = { nodes: 500, edges: 2_000 } as const;

/**
 * A dataflow graph definition, posted directly or read from a catalog `graph` resource body.
 * Values enter at input ports with no incoming edge and leave at output ports with no outgoing
 * edge (the execution's outputs).
 */
export const GraphDefinition = z.object({
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(2_000).optional(),
  nodes: z.array(GraphNode).min(1).max(GRAPH_LIMITS.nodes),
  edges: z.array(GraphEdge).max(GRAPH_LIMITS.edges).default([]),
});
export type GraphDefinition = z.infer<typeof GraphDefinition>;
/** A graph definition as written, before defaults (`config`, `onError`, `edges`) are applied. */
export type GraphDefinitionInput = z.input<typeof GraphDefinition>;

/** Splits a `node.port` endpoint. */
export function parsePortRef(ref: string): { node: string; port: string } {
  const dot = ref.lastIndexOf(".");
  return { node: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

/** A catalog graph resource key: `graphs/<name>` (catalog's name rules). */
export const GraphKey = z
  .string()
  .max(135)
  .regex(/^graphs\/[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, "a graph reference is graphs/<name>");

/** A catalog version selector: a number, `latest` (highest not yanked) or a digest `sha256:<hex>`. */
export const GraphVersion = z.union([z.int().min(1), z.literal("latest"), z.string().regex(/^sha256:[0-9a-f]{64}$/, "a digest is sha256:<64 hex>")]);

/** Where a request's graph comes from: posted (`graph`) or a catalog graph resource (`graphRef`, `version`). */
export const GraphSourceFields = {
  /** A graph definition (see the README), posted directly. */
  graph: z.unknown().optional(),
  /** A catalog graph resource: `graphs/<name>`. */
  graphRef: GraphKey.optional(),
  /** Its version: a number, `latest` (default) or a digest `sha256:<hex>`. */
  version: GraphVersion.optional(),
};

/** Checks that exactly one source is given (zod `superRefine` of a body holding {@link GraphSourceFields}). */
export function refineGraphSource(body: { graph?: unknown; graphRef?: string | undefined; version?: unknown }, ctx: z.RefinementCtx): void {
  const posted = body.graph !== undefined;
  const fromCatalog = body.graphRef !== undefined;
  if (posted === fromCatalog) ctx.addIssue({ code: "custom", path: [posted ? "graphRef" : "graph"], message: "give either graph (a definition) or graphRef (a catalog graph), not both or neither" });
  if (body.version !== undefined && !fromCatalog) ctx.addIssue({ code: "custom", path: ["version"], message: "version goes with graphRef" });
}

/** Body of `POST /api/graphs/validate`. */
export const ValidateGraphBody = z.object(GraphSourceFields).superRefine(refineGraphSource);
export type ValidateGraphBody = z.infer<typeof ValidateGraphBody>;

/** Answer of a graph validation: the execution order and where values enter and leave. */
export const GraphValidation = z
  .object({
    valid: z.literal(true),
    /** `graphs/<name>@<version>` when the graph came from catalog. */
    graphRef: z.string().nullable(),
    /** Node ids in execution order (Kahn's algorithm, ties in declaration order). */
    order: z.array(z.string()),
    openInputs: z.array(z.string()),
    openOutputs: z.array(z.string()),
  })
  .meta({ id: "GraphValidation" });
export type GraphValidation = z.infer<typeof GraphValidation>;
