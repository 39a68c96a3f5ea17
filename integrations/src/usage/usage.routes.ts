import type { Database } from "@symbia/db";
import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { AppError, CAPABILITIES } from "@symbia/sys";
import type * as schema from "../db/schema.js";
import { utcDay } from "../budgets/budgets.service.js";
import { UsagePage, UsageQuery, UsageRecordPage, UsageRecordsQuery } from "./usage.schemas.js";
import { usageBuckets, usageRecordsPage } from "./usage.store.js";

const DAY_MS = 86_400_000;

/** The day range of a usage query: `to` defaults to today (UTC), `from` to 29 days before `to`; at most 366 days. */
export function dayRange(query: { from?: string | undefined; to?: string | undefined }, now = new Date()): { from: string; to: string } {
  const to = query.to ?? utcDay(now);
  const from = query.from ?? utcDay(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS));
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS;
  if (!Number.isFinite(span) || span < 0) throw new AppError("validation_failed", "invalid request: query.from", { issues: [{ path: "query.from", message: "from is a valid day not after to", code: "custom" }] });
  if (span > 366) throw new AppError("validation_failed", "invalid request: query.from", { issues: [{ path: "query.from", message: "a range spans at most 366 days", code: "custom" }] });
  return { from, to };
}

/** `GET /api/usage` (aggregates) and `GET /api/usage/records` (ledger rows), for org admins. */
export function usageRouter(database: Database<typeof schema>): ServiceRouter {
  const router = defineRouter({ basePath: "/api/usage", tag: "usage", description: "The usage ledger: one row per provider call, aggregated per principal, model and day." });

  router.get(
    "/",
    {
      summary: "Usage of the caller's org per UTC day, principal, provider and model (default: the last 30 days)",
      query: UsageQuery,
      response: UsagePage,
      entitlement: CAPABILITIES.integrations.usageRead,
    },
    (req) => usageBuckets(database, scopeOf(req), { ...req.valid.query, ...dayRange(req.valid.query) }),
  );

  router.get(
    "/records",
    { summary: "Ledger rows of the caller's org, newest first, by principal, run, trace or request", query: UsageRecordsQuery, response: UsageRecordPage, entitlement: CAPABILITIES.integrations.usageRead },
    (req) => usageRecordsPage(database, scopeOf(req), req.valid.query),
  );

  return router;
}
