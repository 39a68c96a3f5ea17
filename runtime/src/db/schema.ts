import { index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { ExecutionError } from "../executions/execution.events.js";
import type { ExecutionMetrics } from "../executions/execution.metrics.js";
import type { ExecutionOptionsInput } from "../executions/execution.options.js";
import type { ExecutionState } from "../executions/execution.states.js";
import type { ExecutionSnapshot } from "../executions/execution.types.js";
import type { OutputRecord } from "../executions/output-buffer.js";
import type { GraphDefinition } from "../graphs/graph.schemas.js";

/** One execution of a graph: its definition as run, its state, and once ended its final metrics and kept outputs. */
export const executions = pgTable(
  "executions",
  {
    id: uuid("id").primaryKey(),
    orgId: text("org_id").notNull(),
    /** Principal that created the execution. */
    createdBy: text("created_by").notNull(),
    /** The graph definition as validated and run (a copy: a later catalog version does not change it). */
    graph: jsonb("graph").$type<GraphDefinition>().notNull(),
    /** Catalog reference (`graphs/<name>@<version>`) when the graph came from catalog. */
    graphRef: text("graph_ref"),
    /** Options the creator set (the engine's defaults fill the rest). */
    options: jsonb("options").$type<ExecutionOptionsInput>().notNull(),
    state: text("state").$type<ExecutionState>().notNull(),
    error: jsonb("error").$type<ExecutionError>(),
    /** Final metrics, written when the execution ends. */
    metrics: jsonb("metrics").$type<ExecutionMetrics>(),
    /** Outputs kept at the end (bounded by the execution's maxOutputs / maxOutputBytes). */
    outputs: jsonb("outputs").$type<OutputRecord[]>(),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [index("executions_org_created_idx").on(t.orgId, t.createdAt), index("executions_state_idx").on(t.state)],
);

/**
 * The latest checkpoint of a live execution: component states (accumulator windows, delayed
 * values, zip buffers), values in flight, the input queue, counters and kept outputs. Deleted
 * when the execution ends.
 */
export const executionCheckpoints = pgTable("execution_checkpoints", {
  executionId: uuid("execution_id")
    .primaryKey()
    .references(() => executions.id, { onDelete: "cascade" }),
  orgId: text("org_id").notNull(),
  /** Increases with every checkpoint of the execution. */
  seq: integer("seq").notNull(),
  snapshot: jsonb("snapshot").$type<ExecutionSnapshot>().notNull(),
  takenAt: timestamp("taken_at", { withTimezone: true }).defaultNow().notNull(),
});
