import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { installAssistants } from "@symbia/seed";
import { Api, type GlobalOptions } from "../api.js";
import { urlOf } from "../config.js";
import { CliError, EXIT } from "../errors.js";
import { printObject, printRows } from "../output.js";
import { seedError } from "./seed.js";

/** Why a condition (leaf) or a group held or not, as `POST /api/rules/test` returns it. */
export type Justification =
  | { kind: "condition"; path: string; field: string; operator: string; expected?: unknown; actual: unknown; result: boolean; reason: string }
  | { kind: "group"; path: string; logic: "and" | "or"; result: boolean; children: Justification[] };

/** The answer of `POST /api/rules/test` (the rule engine's evaluation of one event). */
export interface RuleTestResult {
  trigger: string;
  rules: { ruleId: string; priority: number; matched: boolean; skipped?: string; justification?: Justification }[];
  matched: string[];
  actions: { ruleId: string; action: { type: string; id?: string } }[];
  stoppedAt?: string;
}

/** A run step as `GET /api/runs/:id/steps` lists it. */
export interface RunStep {
  seq: number;
  path: string;
  type: string;
  status: string;
  attempts?: number;
  startedAt?: string;
  finishedAt?: string | null;
  durationMs?: number | null;
  error?: { code?: string; message?: string } | null;
}

const mark = (result: boolean) => (result ? "✓" : "✗");
const short = (value: unknown) => {
  const text = value === undefined ? "(absent)" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function justificationLines(j: Justification, prefix: string, last: boolean, root: boolean): string[] {
  const branch = root ? "" : last ? "└─ " : "├─ ";
  const label =
    j.kind === "group"
      ? `${mark(j.result)} ${j.logic.toUpperCase()}`
      : `${mark(j.result)} ${j.field} ${j.operator}${j.expected === undefined ? "" : ` ${short(j.expected)}`} (actual ${short(j.actual)}): ${j.reason}`;
  const lines = [`${prefix}${branch}${label}`];
  if (j.kind === "group") {
    const childPrefix = root ? prefix : `${prefix}${last ? "   " : "│  "}`;
    j.children.forEach((child, i) => lines.push(...justificationLines(child, childPrefix, i === j.children.length - 1, false)));
  }
  return lines;
}

/**
 * A rule test as text: one line per rule in evaluation order (matched ✓, not ✗, or why it was
 * skipped), its justification tree indented below, then the matched rules and the actions to run.
 */
export function renderRuleTest(result: RuleTestResult): string {
  const lines = [`trigger ${result.trigger}`];
  for (const rule of result.rules) {
    const state = rule.skipped ? `skipped (${rule.skipped.replace(/_/g, " ")})` : rule.matched ? "matched" : "no match";
    lines.push(`${rule.skipped ? "-" : mark(rule.matched)} ${rule.ruleId} [priority ${rule.priority}] ${state}${result.stoppedAt === rule.ruleId ? ", evaluation stops here" : ""}`);
    if (rule.justification) lines.push(...justificationLines(rule.justification, "    ", true, true));
  }
  lines.push(`matched: ${result.matched.length ? result.matched.join(", ") : "(none)"}`);
  lines.push(`actions: ${result.actions.length ? result.actions.map((a) => `${a.ruleId}:${a.action.type}`).join(" → ") : "(none)"}`);
  return lines.join("\n");
}

/** Milliseconds of a step: its `durationMs`, else from its timestamps, else empty. */
export function stepDuration(step: RunStep): string {
  const ms = step.durationMs ?? (step.startedAt && step.finishedAt ? Date.parse(step.finishedAt) - Date.parse(step.startedAt) : null);
  return ms === null || ms === undefined || Number.isNaN(ms) ? "" : `${ms} ms`;
}

/** The rule set of a file: a rule set `{rules: [...]}`, or an assistant body whose `rules` is one. */
export function ruleSetOf(file: unknown): unknown {
  const rules = (file as { rules?: unknown } | null)?.rules;
  if (Array.isArray(rules)) return file;
  if (rules && typeof rules === "object" && Array.isArray((rules as { rules?: unknown }).rules)) return rules;
  throw new CliError("the rules file holds neither a rule set ({rules: [...]}) nor an assistant body with one", EXIT.invalid);
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.invalid);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not JSON: ${(error as Error).message}`, EXIT.invalid);
  }
}

const enc = encodeURIComponent;

/** `symbia assistants`: list, get, runs, run (with its steps), install, test-rules. */
export function assistantsCommands(program: Command, globals: () => GlobalOptions): void {
  const assistants = program.command("assistants").description("assistants, their runs, and rule tests");
  assistants.command("list").description("assistants of the selected org").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("assistants", "GET", "/api/assistants");
    printRows(options, res.items, [["key", (a: any) => a.key], ["name", (a: any) => a.name], ["agent", (a: any) => a.agentId], ["alias", (a: any) => a.alias ?? ""], ["version", (a: any) => a.version ?? ""], ["status", (a: any) => a.status ?? ""]]);
  });
  assistants.command("get <key>").description("one assistant (key assistants/<name>, or its name)").action(async (key: string) => {
    const options = globals();
    printObject(options, await (await Api.open(options)).request("assistants", "GET", `/api/assistants/${enc(key)}`));
  });
  assistants
    .command("runs")
    .description("runs, newest first")
    .option("--assistant <key>", "only this assistant's")
    .option("--status <status>", "running|completed|failed|cancelled")
    .option("--conversation <id>", "only runs of this conversation")
    .option("--limit <n>", "at most this many", "50")
    .action(async (opts: { assistant?: string; status?: string; conversation?: string; limit: string }) => {
      const options = globals();
      const query = new URLSearchParams({ limit: opts.limit });
      if (opts.assistant) query.set("assistant", opts.assistant);
      if (opts.status) query.set("status", opts.status);
      if (opts.conversation) query.set("conversationId", opts.conversation);
      const res = await (await Api.open(options)).request("assistants", "GET", `/api/runs?${query}`);
      printRows(options, res.items, [["id", (r: any) => r.id], ["assistant", (r: any) => r.assistant ?? r.assistantKey], ["status", (r: any) => r.status], ["trigger", (r: any) => r.trigger], ["conversation", (r: any) => r.conversationId ?? ""], ["created", (r: any) => r.createdAt]]);
    });
  assistants.command("run <id>").description("one run and its steps").action(async (id: string) => {
    const options = globals();
    const api = await Api.open(options);
    const [run, steps] = await Promise.all([api.request("assistants", "GET", `/api/runs/${enc(id)}`), api.request("assistants", "GET", `/api/runs/${enc(id)}/steps`)]);
    const items: RunStep[] = steps.items ?? steps;
    if (options.output !== "table") return printObject(options, { ...run, steps: items });
    printObject(options, run);
    printRows(options, items, [["#", (s) => s.seq], ["path", (s) => s.path], ["type", (s) => s.type], ["status", (s) => s.status], ["attempts", (s) => s.attempts ?? ""], ["time", (s) => stepDuration(s)], ["error", (s) => s.error?.message ?? ""]]);
  });
  assistants
    .command("install [keys...]")
    .description("install public assistants (default: the platform's) into the selected org, each with an agent of the org")
    .action(async (keys: string[]) => {
      const options = globals();
      const api = await Api.open(options);
      const me = await api.request("identity", "GET", "/api/auth/me");
      const orgId = api.orgId() ?? me.orgs?.[0]?.orgId;
      if (!orgId) throw new CliError("you belong to no organization", EXIT.usage, "create one with `symbia orgs create <name>`");
      const p = api.requireProfile();
      const installed = await installAssistants({
        identityUrl: urlOf("identity"),
        catalogUrl: urlOf("catalog"),
        token: (p.apiKey ?? p.accessToken)!,
        orgId,
        keys: keys.length ? keys : ["assistants/default", "assistants/support"],
      }).catch((error: unknown) => {
        throw seedError(error);
      });
      printRows(options, installed, [["key", (a) => a.key], ["agent", (a) => a.agentId], ["version", (a) => a.version], ["status", (a) => a.status]]);
    });
  assistants
    .command("test-rules <rulesFile>")
    .description("evaluate a rule set (or an assistant body) against an event, without side effects")
    .requiredOption("--event <file>", "the event (JSON: {event: {type, ...}, message?, user?, conversation?, context?})")
    .action(async (rulesFile: string, opts: { event: string }) => {
      const options = globals();
      const rules = ruleSetOf(await readJson(rulesFile));
      const event = await readJson(opts.event);
      const result = (await (await Api.open(options)).request("assistants", "POST", "/api/rules/test", { ruleSet: rules, event })) as RuleTestResult;
      if (options.output !== "table") return printObject(options, result as unknown as Record<string, unknown>);
      process.stdout.write(`${renderRuleTest(result)}\n`);
    });
}
