import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, doublePrecision } from "drizzle-orm/pg-core";

/**
 * Assistants loaded from catalog: one row per (org, resource key), replaced when a newer version
 * is published. `status` is `active` (runs), `invalid` (its rules or graph failed validation:
 * logged, never run; `issues` says why) or `no_agent` (its agent principal is not usable).
 */
export const assistants = pgTable(
  "assistants",
  {
    id: uuid("id").primaryKey(),
    orgId: text("org_id").notNull(),
    /** Catalog resource key (`<org or namespace>/<name>`). */
    key: text("key").notNull(),
    resourceId: text("resource_id").notNull(),
    version: integer("version").notNull(),
    digest: text("digest").notNull(),
    /** The agent principal the assistant acts as (`assistant:support`). */
    agentId: text("agent_id").notNull(),
    agentEntityId: text("agent_entity_id"),
    alias: text("alias"),
    name: text("name").notNull(),
    body: jsonb("body").$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<"active" | "invalid" | "no_agent">().notNull(),
    issues: jsonb("issues").$type<unknown[]>(),
    loadedAt: timestamp("loaded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("assistants_org_key").on(t.orgId, t.key), index("assistants_agent").on(t.agentId)],
);

/**
 * Runs: one execution of an assistant's rules or prompt graph for an event. `checkpoint` is the
 * graph run state (or the rule run's progress) written after every node or action; `owner` and
 * `leaseUntil` tell which process runs it and until when it is considered alive.
 */
export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    assistantKey: text("assistant_key").notNull(),
    assistantVersion: integer("assistant_version").notNull(),
    agentId: text("agent_id").notNull(),
    kind: text("kind").$type<"rules" | "graph">().notNull(),
    trigger: text("trigger").notNull(),
    conversationId: text("conversation_id"),
    messageId: text("message_id"),
    eventId: text("event_id"),
    traceId: text("trace_id").notNull(),
    status: text("status").$type<"running" | "completed" | "failed" | "cancelled">().notNull(),
    /** Why a run failed or was cancelled: `{code, message}`. */
    error: jsonb("error").$type<{ code: string; message: string; details?: unknown }>(),
    /** What the run needs to be resumed: the event scope, and for graphs the run state. */
    checkpoint: jsonb("checkpoint").$type<Record<string, unknown>>().notNull(),
    owner: text("owner").notNull(),
    leaseUntil: timestamp("lease_until", { withTimezone: true }).notNull(),
    resumedCount: integer("resumed_count").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("runs_org_created").on(t.orgId, t.createdAt), index("runs_status_lease").on(t.status, t.leaseUntil), index("runs_conversation").on(t.conversationId)],
);

/** The run log: one row per executed action or graph node (input, output, timings, status). */
export const runSteps = pgTable(
  "run_steps",
  {
    id: uuid("id").primaryKey(),
    runId: text("run_id").notNull(),
    orgId: text("org_id").notNull(),
    seq: integer("seq").notNull(),
    /** Action path (`actions[0]`) or `node:<id>`. */
    path: text("path").notNull(),
    type: text("type").notNull(),
    status: text("status").notNull(),
    input: jsonb("input"),
    output: jsonb("output"),
    error: jsonb("error"),
    attempts: integer("attempts").notNull().default(1),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    durationMs: doublePrecision("duration_ms").notNull(),
  },
  (t) => [uniqueIndex("run_steps_run_seq").on(t.runId, t.seq)],
);

/** Per conversation: its state machine state, context and pending handoff. */
export const conversationStates = pgTable(
  "conversation_states",
  {
    orgId: text("org_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    state: text("state").notNull(),
    context: jsonb("context").$type<Record<string, unknown>>().notNull(),
    handoff: jsonb("handoff").$type<Record<string, unknown>>(),
    /** The latest messages seen (bounded), oldest first: the history given to models. */
    history: jsonb("history").$type<Array<{ id: string; role: "user" | "assistant"; content: string; sender: string }>>().notNull().default([]),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.conversationId] })],
);

/** Bids for a message's turn: one per (message, assistant), collected during the claim window. */
export const turnBids = pgTable(
  "turn_bids",
  {
    orgId: text("org_id").notNull(),
    messageId: text("message_id").notNull(),
    assistantKey: text("assistant_key").notNull(),
    priority: integer("priority").notNull(),
    confidence: doublePrecision("confidence").notNull(),
    ruleId: text("rule_id"),
    instanceId: text("instance_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.assistantKey] })],
);

/**
 * Turn claims: exactly one row per message (its primary key), inserted by the process that
 * decides the turn: the winning assistant, the instance that runs it, the run, the justification
 * (every bid and why the winner won) and the lease of the turn.
 */
export const turnClaims = pgTable("turn_claims", {
  messageId: text("message_id").primaryKey(),
  orgId: text("org_id").notNull(),
  conversationId: text("conversation_id").notNull(),
  assistantKey: text("assistant_key").notNull(),
  instanceId: text("instance_id").notNull(),
  runId: text("run_id").notNull(),
  justification: jsonb("justification").$type<Record<string, unknown>>().notNull(),
  leaseUntil: timestamp("lease_until", { withTimezone: true }).notNull(),
  decidedAt: timestamp("decided_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Code-tool workspaces with their org (the files live under the workspaces folder). */
export const workspaces = pgTable(
  "workspaces",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    label: text("label"),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [index("workspaces_org").on(t.orgId)],
);

/** The code-tool audit: every invocation, refusal, creation and removal. */
export const codeToolAudit = pgTable(
  "code_tool_audit",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    workspaceId: text("workspace_id").notNull(),
    tool: text("tool").notNull(),
    outcome: text("outcome").notNull(),
    args: jsonb("args").$type<Record<string, unknown>>().notNull(),
    actor: jsonb("actor").$type<Record<string, unknown>>(),
    limitHit: text("limit_hit"),
    exitCode: integer("exit_code"),
    outputBytes: integer("output_bytes"),
    error: jsonb("error").$type<{ code: string; message: string }>(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    durationMs: doublePrecision("duration_ms").notNull(),
  },
  (t) => [index("code_tool_audit_ws").on(t.workspaceId, t.startedAt)],
);
