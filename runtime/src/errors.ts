import { AppError } from "@symbia/sys";

/** One failing place in a graph definition: a dotted path into the posted document and why. */
export interface GraphIssue {
  /** Dotted path into the graph definition, e.g. `edges.2.to` or `nodes.0.config.expression`. */
  path: string;
  message: string;
  /** For a cycle: the node ids in order, the first repeated at the end (`["a", "b", "a"]`). */
  cycle?: string[];
}

/**
 * A graph definition that cannot run: unknown components or ports, incompatible port types,
 * invalid component config, a cycle. Maps to 400 with every issue listed in `details.issues`.
 */
export class GraphValidationError extends AppError {
  readonly issues: GraphIssue[];

  constructor(issues: GraphIssue[]) {
    const first = issues[0];
    super("validation_failed", first ? `graph is invalid: ${first.path}: ${first.message}` : "graph is invalid", { issues });
    this.issues = issues;
  }
}

/** A state change the execution state machine does not allow (e.g. `completed → running`). Maps to 409. */
export class InvalidTransitionError extends AppError {
  readonly from: string;
  readonly to: string;

  constructor(from: string, to: string, allowed: readonly string[]) {
    super("conflict", `execution cannot go from ${from} to ${to}`, { from, to, allowed });
    this.from = from;
    this.to = to;
  }
}

/** One JSON Schema violation of a value on a port (`path` is a JSON Pointer into the value). */
export interface ValueIssue {
  path: string;
  message: string;
}

/** A value that does not match the JSON Schema of the port it was sent to or emitted on. Maps to 400. */
export class PortValueError extends AppError {
  readonly node: string;
  readonly port: string;
  readonly issues: ValueIssue[];

  constructor(node: string, port: string, direction: "input" | "output", issues: ValueIssue[]) {
    const first = issues[0];
    super(
      "validation_failed",
      `value on ${direction} ${node}.${port} does not match its type${first ? `: ${first.path || "/"} ${first.message}` : ""}`,
      { node, port, direction, issues },
    );
    this.node = node;
    this.port = port;
    this.issues = issues;
  }
}
