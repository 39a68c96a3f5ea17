import { bigint, boolean, doublePrecision, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * The usage ledger: one row per provider call (retries and fallbacks each add one), appended by the
 * ledger writer off the request path and never updated or deleted by the service. `day` is the UTC
 * day of `started_at` as `YYYY-MM-DD`, stored so aggregates group by a plain column on PostgreSQL
 * and pg-mem alike (pg-mem has no `date_trunc`).
 */
export const usageRecords = pgTable(
  "usage_records",
  {
    id: uuid("id").primaryKey(),
    orgId: text("org_id").notNull(),
    /** The principal the call was made for. */
    principalId: text("principal_id").notNull(),
    /** The authenticated caller (differs from principal_id when a service acted on behalf of it). */
    callerId: text("caller_id").notNull(),
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    operation: text("operation").$type<"chat" | "embeddings" | "generate">().notNull(),
    status: text("status").$type<"ok" | "error" | "cancelled">().notNull(),
    errorCategory: text("error_category").$type<"auth" | "rate_limit" | "provider" | "timeout" | "invalid_request">(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    totalTokens: integer("total_tokens").notNull(),
    usageEstimated: boolean("usage_estimated").notNull(),
    costUsd: doublePrecision("cost_usd"),
    latencyMs: integer("latency_ms").notNull(),
    stream: boolean("stream").notNull(),
    traceId: text("trace_id").notNull(),
    runId: text("run_id"),
    requestId: text("request_id").notNull(),
    day: text("day").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index("usage_records_org_principal_started_idx").on(t.orgId, t.principalId, t.startedAt),
    index("usage_records_org_day_idx").on(t.orgId, t.day),
    index("usage_records_org_run_idx").on(t.orgId, t.runId),
  ],
);

/**
 * Daily limits an org sets for itself (`principal_id` '*') or for one of its principals. They
 * narrow the platform's ceiling (INTEGRATIONS_DAILY_*_LIMIT); null means no limit of that kind.
 */
export const budgets = pgTable(
  "budgets",
  {
    id: uuid("id").primaryKey(),
    orgId: text("org_id").notNull(),
    /** '*' for the whole org, else a principal id. */
    principalId: text("principal_id").notNull(),
    dailyTokens: bigint("daily_tokens", { mode: "number" }),
    dailyRequests: bigint("daily_requests", { mode: "number" }),
    updatedBy: text("updated_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [uniqueIndex("budgets_org_principal_idx").on(t.orgId, t.principalId)],
);
