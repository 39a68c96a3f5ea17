import type { ComponentRegistry } from "../components/manifest.js";
import { validateGraph, type ValidatedGraph } from "../graphs/graph.validate.js";
import { isTerminal } from "./execution.states.js";
import type { ExecutionView } from "./executions.schemas.js";
import type { ExecutionRow } from "./executions.store.js";

/**
 * What callers see of a stored execution. The order and open ports come from `validated` or, when
 * not given, from validating the stored graph again; a stored graph whose components changed
 * since still shows (in declaration order, without open ports).
 */
export function viewOfRow(row: ExecutionRow, registry: ComponentRegistry, validated?: ValidatedGraph): ExecutionView {
  let graph = validated;
  if (!graph) {
    try {
      graph = validateGraph(row.graph, registry);
    } catch {
      // Components changed since it ran: still show the execution.
    }
  }
  const endpoints = (list: Array<{ node: string; port: string }> | undefined) => (list ?? []).map((e) => `${e.node}.${e.port}`);
  return {
    id: row.id,
    orgId: row.orgId,
    state: row.state,
    graphRef: row.graphRef ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt ? row.startedAt.toISOString() : null,
    endedAt: row.endedAt ? row.endedAt.toISOString() : null,
    error: row.error ?? null,
    order: graph?.order ?? row.graph.nodes.map((n) => n.id),
    openInputs: endpoints(graph?.openInputs),
    openOutputs: endpoints(graph?.openOutputs),
    inputEnded: isTerminal(row.state),
  };
}
