import { randomUUID } from "node:crypto";
import type { Database } from "@symbia/db";
import type { Logger } from "@symbia/http";
import { AppError, type Scope } from "@symbia/sys";
import { and, asc, eq } from "drizzle-orm";
import * as schema from "../db/schema.js";
import type { Budget, PutBudgetBody } from "../usage/usage.schemas.js";
import { usageOfDay } from "../usage/usage.store.js";

type Db = Database<typeof schema>;
type BudgetRow = typeof schema.budgets.$inferSelect;
const ORG_WIDE = "*";

/** The UTC day of `date` as `YYYY-MM-DD`. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Seconds until the next UTC midnight (when daily budgets reset). */
function secondsToMidnight(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

interface Counter {
  day: string;
  /** Rows started before this were counted from the database; later ones are added as they happen. */
  since: Date;
  tokens: number;
  requests: number;
  ready: Promise<void>;
}

/** Options of {@link BudgetTracker}. */
export interface BudgetTrackerOptions {
  /** Platform ceiling of tokens per org per UTC day (0 = none). */
  dailyTokenLimit: number;
  /** Platform ceiling of provider calls per org per UTC day (0 = none). */
  dailyRequestLimit: number;
  /** How long an org's budget rows are reused before being read again (other instances may change them), ms. */
  cacheMs?: number;
  onRejected?: (scope: "org" | "principal") => void;
}

/**
 * Daily budgets per org and per principal. `check` runs before a call and refuses it with 429 once
 * the day's tokens or calls have reached a limit; `record` adds each ledger row as it is produced.
 * Counters live in memory, seeded from the ledger the first time an org (or principal) is checked
 * on a day, so the check costs no query afterwards. Limits are checked before a call: a call that
 * starts under the limit finishes, and may take the total past it. With several gateway instances
 * each counts its own calls on top of the ledger's state at its first check (an approximation).
 */
export class BudgetTracker {
  private readonly counters = new Map<string, Counter>();
  private readonly limitCache = new Map<string, { until: number; rows: BudgetRow[] }>();

  constructor(
    private readonly database: Db,
    private readonly options: BudgetTrackerOptions,
    private readonly logger: Logger,
  ) {}

  /** @throws AppError `rate_limited` (429, Retry-After until UTC midnight) when a daily limit is reached. */
  async check(subject: { orgId: string; principalId: string }): Promise<void> {
    const rows = await this.rows(subject.orgId);
    const org = rows.find((r) => r.principalId === ORG_WIDE);
    const own = rows.find((r) => r.principalId === subject.principalId);
    const ceiling = (platform: number, set: number | null | undefined) => Math.min(platform > 0 ? platform : Infinity, set ?? Infinity);
    const orgLimits = { tokens: ceiling(this.options.dailyTokenLimit, org?.dailyTokens), requests: ceiling(this.options.dailyRequestLimit, org?.dailyRequests) };
    const principalLimits = { tokens: own?.dailyTokens ?? Infinity, requests: own?.dailyRequests ?? Infinity };
    const now = new Date();
    for (const [scope, limits, principalId] of [
      ["org", orgLimits, null],
      ["principal", principalLimits, subject.principalId],
    ] as const) {
      if (limits.tokens === Infinity && limits.requests === Infinity) continue;
      const used = await this.used(subject.orgId, principalId, now);
      const kind = used.tokens >= limits.tokens ? "tokens" : used.requests >= limits.requests ? "requests" : null;
      if (!kind) continue;
      this.options.onRejected?.(scope);
      const limit = kind === "tokens" ? limits.tokens : limits.requests;
      throw new AppError(
        "rate_limited",
        `daily ${kind} budget of the ${scope === "org" ? "organization" : "principal"} is spent (${limit})`,
        { category: "rate_limit", budget: { scope, kind, limit, used: kind === "tokens" ? used.tokens : used.requests, resetsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString() } },
        { retryAfterSeconds: secondsToMidnight(now) },
      );
    }
  }

  /** Counts one ledger row against the budgets of its org and principal. */
  record(row: { orgId: string; principalId: string; totalTokens: number; startedAt: Date }): void {
    const day = utcDay(row.startedAt);
    for (const key of [counterKey(row.orgId, null, day), counterKey(row.orgId, row.principalId, day)]) {
      const counter = this.counters.get(key);
      if (!counter || row.startedAt < counter.since) continue;
      void counter.ready.then(
        () => {
          counter.tokens += row.totalTokens;
          counter.requests += 1;
        },
        () => undefined, // the seed query failed: the counter is dropped and seeded again at the next check
      );
    }
  }

  /** Today's usage of an org (principalId null) or principal, as counted against budgets. */
  async used(orgId: string, principalId: string | null, now = new Date()): Promise<{ tokens: number; requests: number }> {
    const day = utcDay(now);
    const key = counterKey(orgId, principalId, day);
    let counter = this.counters.get(key);
    if (!counter) {
      const since = new Date();
      const created: Counter = { day, since, tokens: 0, requests: 0, ready: Promise.resolve() };
      created.ready = usageOfDay(this.database, orgId, principalId, day, since).then(
        (seed) => {
          created.tokens += seed.tokens;
          created.requests += seed.requests;
        },
        (error: unknown) => {
          this.counters.delete(key);
          throw error;
        },
      );
      this.counters.set(key, (counter = created));
      this.prune(day);
    }
    await counter.ready;
    return { tokens: counter.tokens, requests: counter.requests };
  }

  /** The org's budgets with today's usage. */
  async list(scope: Pick<Scope, "orgId">): Promise<Budget[]> {
    const rows = await this.database.db.select().from(schema.budgets).where(eq(schema.budgets.orgId, scope.orgId)).orderBy(asc(schema.budgets.principalId));
    return Promise.all(rows.map(async (row) => this.view(row, await this.used(row.orgId, row.principalId === ORG_WIDE ? null : row.principalId))));
  }

  /** Creates or replaces the org's (principalId null) or a principal's limits. */
  async put(scope: Pick<Scope, "orgId" | "principalId">, body: PutBudgetBody): Promise<Budget> {
    const principalId = body.principalId ?? ORG_WIDE;
    const values = { dailyTokens: body.dailyTokens, dailyRequests: body.dailyRequests, updatedBy: scope.principalId, updatedAt: new Date() };
    const row = await this.database.withTransaction(async (tx) => {
      const [existing] = await tx.select().from(schema.budgets).where(and(eq(schema.budgets.orgId, scope.orgId), eq(schema.budgets.principalId, principalId))).limit(1);
      if (existing) return (await tx.update(schema.budgets).set(values).where(eq(schema.budgets.id, existing.id)).returning())[0]!;
      return (await tx.insert(schema.budgets).values({ id: randomUUID(), orgId: scope.orgId, principalId, ...values }).returning())[0]!;
    });
    this.limitCache.delete(scope.orgId);
    this.logger.info({ budgetId: row.id, orgId: scope.orgId, principalId: body.principalId, dailyTokens: body.dailyTokens, dailyRequests: body.dailyRequests }, "budget set");
    return this.view(row, await this.used(row.orgId, body.principalId));
  }

  /** Deletes one of the org's budgets. @throws AppError not_found for another org's or an unknown id. */
  async remove(scope: Pick<Scope, "orgId">, id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError("not_found", "budget not found");
    const deleted = await this.database.db.delete(schema.budgets).where(and(eq(schema.budgets.orgId, scope.orgId), eq(schema.budgets.id, id))).returning({ id: schema.budgets.id });
    if (deleted.length === 0) throw new AppError("not_found", "budget not found");
    this.limitCache.delete(scope.orgId);
  }

  private view(row: BudgetRow, used: { tokens: number; requests: number }): Budget {
    return {
      id: row.id,
      orgId: row.orgId,
      principalId: row.principalId === ORG_WIDE ? null : row.principalId,
      dailyTokens: row.dailyTokens ?? null,
      dailyRequests: row.dailyRequests ?? null,
      usedToday: used,
      updatedBy: row.updatedBy,
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  private async rows(orgId: string): Promise<BudgetRow[]> {
    const cached = this.limitCache.get(orgId);
    if (cached && cached.until > Date.now()) return cached.rows;
    const rows = await this.database.db.select().from(schema.budgets).where(eq(schema.budgets.orgId, orgId));
    this.limitCache.set(orgId, { until: Date.now() + (this.options.cacheMs ?? 10_000), rows });
    if (this.limitCache.size > 10_000) this.limitCache.delete(this.limitCache.keys().next().value!);
    return rows;
  }

  /** Forgets counters of past days. */
  private prune(today: string): void {
    if (this.counters.size < 1000) return;
    for (const [key, counter] of this.counters) if (counter.day !== today) this.counters.delete(key);
  }
}

function counterKey(orgId: string, principalId: string | null, day: string): string {
  return `${day}\u0000${orgId}\u0000${principalId ?? ORG_WIDE}`;
}
