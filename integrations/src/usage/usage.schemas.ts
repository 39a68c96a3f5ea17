import { z } from "zod";
import { ErrorCategory, Operation } from "../execute/execute.schemas.js";

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day is YYYY-MM-DD (UTC)");

/** Filters of `GET /api/usage`: a UTC day range (default the last 30 days, both ends included). */
export const UsageQuery = z.object({
  from: Day.optional(),
  to: Day.optional(),
  principalId: z.string().min(1).max(200).optional(),
  provider: z.string().min(1).max(64).optional(),
  model: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

/** Usage of one principal with one model on one UTC day. */
export const UsageBucket = z
  .object({
    day: Day,
    principalId: z.string(),
    provider: z.string(),
    model: z.string(),
    /** Provider calls (retries and fallbacks count each). */
    requests: z.int(),
    /** Calls that ended in an error. */
    errors: z.int(),
    /** Calls cancelled by their client or run. */
    cancelled: z.int(),
    promptTokens: z.int(),
    completionTokens: z.int(),
    totalTokens: z.int(),
    /** Sum of known costs, USD; null when no call of the bucket had a price. */
    costUsd: z.number().nullable(),
    avgLatencyMs: z.number(),
  })
  .meta({ id: "UsageBucket" });
export type UsageBucket = z.infer<typeof UsageBucket>;

/** `GET /api/usage`. */
export const UsagePage = z.object({ items: z.array(UsageBucket), nextCursor: z.string().nullable() });

/** One row of the append-only usage ledger: one provider call. */
export const UsageRecord = z
  .object({
    id: z.string(),
    orgId: z.string(),
    /** The principal the call was made for (the caller, or `onBehalfOf`). */
    principalId: z.string(),
    /** The authenticated caller (a service principal when it acted on behalf of someone). */
    callerId: z.string(),
    provider: z.string(),
    model: z.string(),
    operation: Operation,
    status: z.enum(["ok", "error", "cancelled"]),
    errorCategory: ErrorCategory.nullable(),
    promptTokens: z.int(),
    completionTokens: z.int(),
    totalTokens: z.int(),
    /** True when the token counts are the gateway's estimate (the provider reported none). */
    usageEstimated: z.boolean(),
    costUsd: z.number().nullable(),
    latencyMs: z.int(),
    stream: z.boolean(),
    traceId: z.string(),
    runId: z.string().nullable(),
    requestId: z.string(),
    startedAt: z.string(),
  })
  .meta({ id: "UsageRecord" });
export type UsageRecord = z.infer<typeof UsageRecord>;

/** Filters of `GET /api/usage/records` (newest first). */
export const UsageRecordsQuery = z.object({
  principalId: z.string().min(1).max(200).optional(),
  runId: z.string().min(1).max(200).optional(),
  traceId: z.string().min(1).max(64).optional(),
  requestId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export type UsageRecordsQuery = z.infer<typeof UsageRecordsQuery>;

/** `GET /api/usage/records`. */
export const UsageRecordPage = z.object({ items: z.array(UsageRecord), nextCursor: z.string().nullable() });

/**
 * A daily limit for an org (`principalId` absent) or one principal in it. Null limits are not
 * enforced. A call is refused with 429 when the day's (UTC) usage has reached a limit.
 */
export const Budget = z
  .object({
    id: z.string(),
    orgId: z.string(),
    principalId: z.string().nullable(),
    dailyTokens: z.int().nullable(),
    dailyRequests: z.int().nullable(),
    /** Today's usage counted against the limits. */
    usedToday: z.object({ tokens: z.int(), requests: z.int() }),
    updatedBy: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Budget" });
export type Budget = z.infer<typeof Budget>;

/** Body of `PUT /api/integrations/budgets`: sets (creates or replaces) the org's or a principal's limits. */
export const PutBudgetBody = z
  .object({
    principalId: z.string().min(1).max(200).nullable().default(null),
    dailyTokens: z.int().min(0).max(1e12).nullable().default(null),
    dailyRequests: z.int().min(0).max(1e9).nullable().default(null),
  })
  .meta({ id: "PutBudgetBody" });
export type PutBudgetBody = z.infer<typeof PutBudgetBody>;
