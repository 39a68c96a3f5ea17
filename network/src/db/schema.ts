import type { ActingPrincipal, PolicyAction, PolicyCondition, TraceHop } from "@symbia/relay";
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Contracts: who may send which event types to whom across which boundaries. `org_id` null =
 * platform-wide (applies to every org). Default contracts (origin `default`, id `default:<name>`)
 * are re-synchronised from the defaults file at start.
 */
export const contracts = pgTable(
  "contracts",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id"),
    origin: text("origin").$type<"default" | "api">().notNull(),
    name: text("name"),
    fromEndpoint: text("from_endpoint").notNull(),
    toEndpoint: text("to_endpoint").notNull(),
    allowedEventTypes: text("allowed_event_types").array().notNull(),
    boundaries: text("boundaries").array().notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    description: text("description"),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index("contracts_org_idx").on(t.orgId, t.createdAt)],
);

/** Policies, evaluated by priority (platform tier first). `org_id` null = platform-wide. */
export const policies = pgTable(
  "policies",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id"),
    name: text("name").notNull(),
    description: text("description"),
    priority: integer("priority").notNull().default(0),
    enabled: boolean("enabled").notNull().default(true),
    conditions: jsonb("conditions").$type<PolicyCondition[]>().notNull(),
    action: jsonb("action").$type<PolicyAction>().notNull(),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index("policies_org_idx").on(t.orgId, t.createdAt)],
);

/** Registered nodes. `org_id` null for platform nodes (services). */
export const nodes = pgTable(
  "nodes",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    name: text("name"),
    orgId: text("org_id"),
    principal: jsonb("principal").$type<ActingPrincipal>().notNull(),
    capabilities: text("capabilities").array().notNull(),
    endpoint: text("endpoint"),
    status: text("status").$type<"online" | "down">().notNull().default("online"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull(),
    registeredAt: timestamp("registered_at", { withTimezone: true }).defaultNow().notNull(),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }).defaultNow().notNull(),
    downSince: timestamp("down_since", { withTimezone: true }),
  },
  (t) => [index("nodes_status_idx").on(t.status, t.lastHeartbeatAt)],
);

/** Entity → node bindings: an event addressed to the entity reaches the node that holds it now. */
export const entityBindings = pgTable(
  "entity_bindings",
  {
    entityId: text("entity_id").primaryKey(),
    nodeId: text("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    orgId: text("org_id"),
    boundAt: timestamp("bound_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index("entity_bindings_node_idx").on(t.nodeId)],
);

/**
 * The bounded event history: one row per event handled (or refused) with its trace. `seq` orders
 * rows and drives pruning; payloads (`data`) are kept for principals entitled to read them.
 */
export const networkEvents = pgTable(
  "network_events",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    eventId: text("event_id").notNull(),
    orgId: text("org_id").notNull(),
    runId: text("run_id").notNull(),
    traceId: text("trace_id").notNull(),
    type: text("type").notNull(),
    source: text("source").notNull(),
    target: text("target"),
    boundary: text("boundary").notNull(),
    dataClass: text("data_class").notNull(),
    principal: jsonb("principal").$type<ActingPrincipal>(),
    causedBy: text("caused_by"),
    timestamp: timestamp("timestamp", { withTimezone: true }).notNull(),
    data: jsonb("data"),
    status: text("status").notNull(),
    reasonCode: text("reason_code"),
    reason: text("reason"),
    deliveredTo: text("delivered_to").array().notNull(),
    hops: jsonb("hops").$type<TraceHop[]>().notNull(),
    recordedAt: timestamp("recorded_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index("network_events_org_run_idx").on(t.orgId, t.runId),
    index("network_events_org_seq_idx").on(t.orgId, t.seq),
    index("network_events_event_idx").on(t.eventId),
  ],
);
