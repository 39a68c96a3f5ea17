import { z } from "zod";
import type { ExecutionError } from "./execution.events.js";
import { ExecutionOptionsInput } from "./execution.options.js";
import { EXECUTION_STATES, type ExecutionState } from "./execution.states.js";

/** Body of a create request: a graph definition (posted or read from catalog) and options. */
export const CreateExecutionInput = z.object({
  graph: z.unknown(),
  /** Catalog reference of the graph (`graphs/<name>@<version>`), when it came from catalog. */
  graphRef: z.string().min(1).max(300).optional(),
  options: ExecutionOptionsInput.optional(),
});
export type CreateExecutionInput = z.infer<typeof CreateExecutionInput>;

/** Query of a list request. */
export const ListExecutionsInput = z.object({
  state: z.enum(EXECUTION_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});
export type ListExecutionsInput = z.input<typeof ListExecutionsInput>;

/** What REST and socket callers see of an execution. Times are ISO 8601 UTC. */
export interface ExecutionView {
  id: string;
  orgId: string;
  state: ExecutionState;
  graphRef: string | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  error: ExecutionError | null;
  /** Node ids in execution (topological) order. */
  order: string[];
  /** Where values can be injected (`node.port`). */
  openInputs: string[];
  /** Where outputs come from (`node.port`). */
  openOutputs: string[];
  /** True once input was closed; the execution completes when drained. */
  inputEnded: boolean;
}
