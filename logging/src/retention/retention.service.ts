import { DATA_TYPES, type DataType, type RetentionSetting } from "@symbia/logging-client";
import { AppError } from "@symbia/sys";
import type { LoggingDeps } from "../deps.js";
import { allPoliciesAcrossOrgs, deleteOlderAcrossOrgs, deletePolicy, orgPolicies, upsertPolicy } from "./retention.store.js";

const DAY_MS = 86_400_000;

/** The retention of every data type in `orgId`: its own setting, else the default. */
export async function retentionOf(deps: LoggingDeps, orgId: string): Promise<RetentionSetting[]> {
  const own = new Map((await orgPolicies(deps.database.db, orgId)).map((p) => [p.dataType, p.days]));
  return DATA_TYPES.map((dataType) => (own.has(dataType) ? { dataType, days: own.get(dataType)!, source: "org" as const } : { dataType, days: deps.config.retentionDefaults[dataType], source: "default" as const }));
}

/** Sets an org's retention for one data type (days, 1–3650). */
export async function setRetention(deps: LoggingDeps, orgId: string, principalId: string, dataType: DataType, days: number): Promise<RetentionSetting> {
  await upsertPolicy(deps.database.db, orgId, dataType, days, principalId);
  deps.logger.info({ orgId, dataType, days, principalId }, "retention set");
  return { dataType, days, source: "org" };
}

/** Returns an org to the default retention for one data type. @throws AppError not_found without an own setting. */
export async function clearRetention(deps: LoggingDeps, orgId: string, dataType: DataType): Promise<void> {
  if (!(await deletePolicy(deps.database.db, orgId, dataType))) throw new AppError("not_found", `no retention setting for ${dataType}`);
}

/**
 * One pass of the retention job: for every data type, deletes the rows strictly older than their
 * org's retention (its own setting, else the default), in batches.
 *
 * @returns rows deleted per data type.
 */
export async function enforceRetention(deps: LoggingDeps, now: Date = new Date()): Promise<Record<DataType, number>> {
  const deleted = { logs: 0, metrics: 0, spans: 0, objects: 0 };
  const db = deps.database.db;
  const batch = deps.config.retentionBatchSize;
  for (const dataType of DATA_TYPES) {
    const policies = await allPoliciesAcrossOrgs(db, dataType);
    for (const p of policies) deleted[dataType] += await deleteOlderAcrossOrgs(db, dataType, new Date(now.getTime() - p.days * DAY_MS), { only: p.orgId }, batch);
    const cutoff = new Date(now.getTime() - deps.config.retentionDefaults[dataType] * DAY_MS);
    deleted[dataType] += await deleteOlderAcrossOrgs(db, dataType, cutoff, { except: policies.map((p) => p.orgId) }, batch);
    if (deleted[dataType]) deps.metrics.retentionDeleted.inc({ kind: dataType }, deleted[dataType]);
  }
  return deleted;
}

/** Runs {@link enforceRetention} every `intervalMs` (never two passes at once). Returns a stop function. */
export function startRetentionJob(deps: LoggingDeps, intervalMs: number): () => Promise<void> {
  if (intervalMs <= 0) return async () => {};
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= enforceRetention(deps)
      .then((deleted) => {
        if (Object.values(deleted).some((n) => n > 0)) deps.logger.info({ deleted }, "retention pass");
      })
      .catch((error: Error) => deps.logger.error({ err: error }, "retention pass failed"))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
