import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { AssistantBody } from "@symbia/catalog-client";
import { AppError } from "@symbia/sys";
import { validateGraph, type CompiledGraph } from "../graphs/index.js";
import { validateRuleSet, type RuleSet, type ValidationIssue } from "../rules/index.js";
import { issuesFromZod } from "../rules/issues.js";
import { assistants } from "../db/schema.js";
import type { AssistantsDeps } from "../deps.js";

/** An assistant ready to run (or kept for inspection when invalid). */
export interface LoadedAssistant {
  id: string;
  orgId: string;
  key: string;
  version: number;
  digest: string;
  agentId: string;
  agentEntityId: string | null;
  alias: string | null;
  name: string;
  body: AssistantBody;
  ruleSet?: RuleSet;
  graph?: CompiledGraph;
  status: "active" | "invalid" | "no_agent";
  issues: ValidationIssue[];
  loadedAt: string;
}

/** What installing a version needs: the catalog resource's identity, version and body. */
export interface AssistantSource {
  orgId: string;
  key: string;
  resourceId: string;
  name: string;
  version: number;
  digest: string;
  body: unknown;
}

/**
 * Validates an assistant body as the assistants service runs it: catalog's shape
 * (`AssistantBody`), then the rule set and the prompt graph with this service's own
 * publish-time validation. Issue paths are prefixed (`rules.rules[0]…`, `promptGraph.nodes[1]…`).
 */
export function compileAssistant(body: unknown): { ok: true; body: AssistantBody; ruleSet?: RuleSet; graph?: CompiledGraph } | { ok: false; issues: ValidationIssue[] } {
  const shape = AssistantBody.safeParse(body);
  if (!shape.success) return { ok: false, issues: issuesFromZod(shape.error.issues) };
  const issues: ValidationIssue[] = [];
  let ruleSet: RuleSet | undefined;
  let graph: CompiledGraph | undefined;
  if (shape.data.rules !== undefined) {
    const result = validateRuleSet(shape.data.rules);
    if (result.ok) ruleSet = result.value;
    else issues.push(...result.issues.map((i) => ({ ...i, path: `rules.${i.path}` })));
  }
  if (shape.data.promptGraph !== undefined) {
    const result = validateGraph(shape.data.promptGraph);
    if (result.ok) graph = result.value;
    else issues.push(...result.issues.map((i) => ({ ...i, path: `promptGraph.${i.path}` })));
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, body: shape.data, ...(ruleSet ? { ruleSet } : {}), ...(graph ? { graph } : {}) };
}

function fromRow(row: typeof assistants.$inferSelect): LoadedAssistant {
  const compiled = compileAssistant(row.body);
  const base = {
    id: row.id, orgId: row.orgId, key: row.key, version: row.version, digest: row.digest, agentId: row.agentId, agentEntityId: row.agentEntityId,
    alias: row.alias, name: row.name, body: row.body as AssistantBody, loadedAt: row.loadedAt.toISOString(),
  };
  if (!compiled.ok) return { ...base, status: "invalid", issues: compiled.issues };
  return { ...base, body: compiled.body, ...(compiled.ruleSet ? { ruleSet: compiled.ruleSet } : {}), ...(compiled.graph ? { graph: compiled.graph } : {}), status: row.status, issues: (row.issues ?? []) as ValidationIssue[] };
}

/**
 * The assistants this process runs, by org and key, and by agent id; backed by the `assistants`
 * table so every process sharing the database sees the same versions.
 */
export class AssistantRegistry {
  private byKey = new Map<string, LoadedAssistant>();

  constructor(private readonly deps: Pick<AssistantsDeps, "database" | "logger">) {}

  /** Reads every stored assistant (at start, and after another process may have installed one). */
  async refresh(): Promise<void> {
    const rows = await this.deps.database.db.select().from(assistants).orderBy(asc(assistants.key));
    const next = new Map<string, LoadedAssistant>();
    for (const row of rows) next.set(`${row.orgId}\u0000${row.key}`, fromRow(row));
    this.byKey = next;
  }

  /** Every loaded assistant of an org (all orgs when absent). */
  list(orgId?: string): LoadedAssistant[] {
    return [...this.byKey.values()].filter((a) => orgId === undefined || a.orgId === orgId);
  }

  /** The org's assistant with this key, alias (`@support` or `support`) or agent id. */
  find(orgId: string, ref: string): LoadedAssistant | undefined {
    const direct = this.byKey.get(`${orgId}\u0000${ref}`);
    if (direct) return direct;
    const alias = ref.startsWith("@") ? ref : `@${ref}`;
    return this.list(orgId).find((a) => a.agentId === ref || (a.alias && (a.alias.startsWith("@") ? a.alias : `@${a.alias}`) === alias));
  }

  /** The assistant acting as this agent. */
  byAgent(agentId: string): LoadedAssistant | undefined {
    return [...this.byKey.values()].find((a) => a.agentId === agentId);
  }

  /** Forgets an assistant (its loaded version was yanked): it stops running until a version is installed again. */
  async unload(orgId: string, key: string): Promise<void> {
    await this.deps.database.db.delete(assistants).where(and(eq(assistants.orgId, orgId), eq(assistants.key, key)));
    this.byKey.delete(`${orgId}\u0000${key}`);
    this.deps.logger.info({ key, orgId }, "assistant unloaded");
  }

  /**
   * Installs a published version: validated with {@link compileAssistant} (an invalid version is
   * stored as `invalid` with its issues, logged, and never run — the previous valid version is
   * kept in that case), its agent principal resolved, and the row replaced when the version is newer.
   * Returns the assistant as now loaded.
   */
  async install(source: AssistantSource, resolveAgent: (agentId: string, orgId: string) => Promise<{ entityId: string } | null>): Promise<LoadedAssistant> {
    const current = this.byKey.get(`${source.orgId}\u0000${source.key}`);
    // The same version again: nothing to do, unless its agent was missing (registered since?).
    if (current && current.version >= source.version && current.digest === source.digest && current.status !== "no_agent") return current;
    if (current && current.version > source.version) return current;
    const compiled = compileAssistant(source.body);
    if (!compiled.ok) {
      this.deps.logger.warn({ key: source.key, orgId: source.orgId, version: source.version, issues: compiled.issues.slice(0, 20) }, "assistant version refused: its rules or graph are invalid; it will not run");
      if (current && current.status !== "invalid") return current;
    }
    const body = compiled.ok ? compiled.body : (source.body as AssistantBody);
    const agentId = typeof body?.principal?.agentId === "string" ? body.principal.agentId : "";
    let agent: { entityId: string } | null = null;
    if (compiled.ok) {
      agent = await resolveAgent(agentId, source.orgId).catch((error) => {
        this.deps.logger.warn({ err: (error as Error).message, agentId, orgId: source.orgId }, "agent principal lookup failed");
        return null;
      });
      if (!agent) this.deps.logger.warn({ key: source.key, agentId, orgId: source.orgId }, "assistant has no usable agent principal in its org: it will not run until the agent is registered");
    }
    const status: LoadedAssistant["status"] = !compiled.ok ? "invalid" : agent ? "active" : "no_agent";
    const values = {
      orgId: source.orgId, key: source.key, resourceId: source.resourceId, version: source.version, digest: source.digest, agentId, agentEntityId: agent?.entityId ?? null,
      alias: body?.alias ?? null, name: source.name, body: source.body as Record<string, unknown>, status, issues: compiled.ok ? [] : compiled.issues, loadedAt: new Date(),
    };
    await this.deps.database.db
      .insert(assistants)
      .values({ id: randomUUID(), ...values })
      .onConflictDoUpdate({ target: [assistants.orgId, assistants.key], set: values });
    const [row] = await this.deps.database.db.select().from(assistants).where(and(eq(assistants.orgId, source.orgId), eq(assistants.key, source.key))).limit(1);
    const loaded = fromRow(row!);
    this.byKey.set(`${source.orgId}\u0000${source.key}`, loaded);
    this.deps.logger.info({ key: source.key, orgId: source.orgId, version: source.version, status, agentId }, "assistant loaded");
    return loaded;
  }
}

/** The org's assistant by key, alias or agent id. @throws AppError("not_found"). */
export function getAssistant(registry: AssistantRegistry, orgId: string, ref: string): LoadedAssistant {
  const found = registry.find(orgId, ref);
  if (!found) throw new AppError("not_found", "assistant not found");
  return found;
}

/** The API view of an assistant. */
export function assistantView(a: LoadedAssistant) {
  return {
    key: a.key, orgId: a.orgId, version: a.version, digest: a.digest, name: a.name, agentId: a.agentId, agentEntityId: a.agentEntityId, alias: a.alias,
    status: a.status, issues: a.issues, hasRules: a.ruleSet !== undefined, hasGraph: a.graph !== undefined, model: a.body.model ?? null, loadedAt: a.loadedAt, body: a.body,
  };
}
