import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { CAPABILITIES, ROLES } from "@symbia/sys";
import { z } from "zod";
import { Budget, PutBudgetBody } from "../usage/usage.schemas.js";
import type { BudgetTracker } from "./budgets.service.js";

/** Daily budgets of the caller's org: read with the usage entitlement, set and removed by org admins. */
export function budgetsRouter(budgets: BudgetTracker): ServiceRouter {
  const router = defineRouter({ basePath: "/api/integrations/budgets", tag: "budgets", description: "Daily token and request limits per org and per principal; a spent budget answers 429." });

  router.get("/", { summary: "The org's budgets with today's usage", response: z.object({ items: z.array(Budget) }), entitlement: CAPABILITIES.integrations.usageRead }, async (req) => ({
    items: await budgets.list(scopeOf(req)),
  }));

  router.put(
    "/",
    {
      summary: "Set the org's daily limits (principalId null) or one principal's; null leaves a kind unlimited",
      description: "The platform's ceilings (INTEGRATIONS_DAILY_TOKEN_LIMIT, INTEGRATIONS_DAILY_REQUEST_LIMIT) still apply: an org budget can only lower them.",
      body: PutBudgetBody,
      response: Budget,
      entitlement: ROLES.orgAdmin,
    },
    (req) => budgets.put(scopeOf(req), req.valid.body),
  );

  router.delete(
    "/:budgetId",
    { summary: "Remove one of the org's budgets", params: z.object({ budgetId: z.string().min(1).max(100) }), status: 204, entitlement: ROLES.orgAdmin },
    async (req) => {
      await budgets.remove(scopeOf(req), req.valid.params.budgetId);
    },
  );

  return router;
}
