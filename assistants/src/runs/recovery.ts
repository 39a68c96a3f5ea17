import type { AssistantsDeps } from "../deps.js";
import { executeRun, type RunCheckpoint } from "./runner.js";
import { claimExpiredRuns, finishRun } from "./runs.store.js";

/**
 * Takes over runs whose process died (status `running`, lease expired): prompt-graph runs are
 * resumed from their checkpoint (finished nodes are not run again; the node that was running runs
 * again with the same idempotency keys); rules runs, and runs whose assistant version is no longer
 * loaded, are marked `failed` with the reason. Nothing is left silently `running`.
 * Returns what was done with each run.
 */
export async function recoverRuns(deps: AssistantsDeps): Promise<Array<{ runId: string; action: "resumed" | "failed"; reason?: string }>> {
  const taken = await claimExpiredRuns(deps.database, deps.config.instanceId, deps.config.runLeaseMs);
  const report: Array<{ runId: string; action: "resumed" | "failed"; reason?: string }> = [];
  for (const run of taken) {
    const assistant = deps.registry.find(run.orgId, run.assistantKey);
    const checkpoint = run.checkpoint as RunCheckpoint;
    let reason: string | null = null;
    if (!assistant || assistant.status !== "active") reason = "the assistant is no longer loaded";
    else if (assistant.version !== run.assistantVersion) reason = `the assistant changed from version ${run.assistantVersion} to ${assistant.version}`;
    else if (run.kind === "rules") reason = `rule actions are not resumed; last action finished: ${checkpoint.lastPath ?? "none"}`;
    if (reason) {
      const message = `interrupted: the process running it stopped (${reason})`;
      await finishRun(deps.database, run.id, "failed", { code: "interrupted", message, details: { previousOwner: run.owner, lastPath: checkpoint.lastPath ?? null } });
      deps.logger.warn({ runId: run.id, reason }, "run left by a dead process marked failed");
      report.push({ runId: run.id, action: "failed", reason: message });
      continue;
    }
    deps.logger.info({ runId: run.id, assistant: run.assistantKey }, "resuming a prompt-graph run left by a dead process");
    void executeRun(deps, run, assistant!);
    report.push({ runId: run.id, action: "resumed" });
  }
  return report;
}
