import { applySeed, generateSeed, type SeedData, type SeedReport } from "@symbia/seed";
import { isAppError } from "@symbia/sys";
import { InvalidArgumentError, type Command } from "commander";
import { Api, type GlobalOptions } from "../api.js";
import { urlOf } from "../config.js";
import { CliError, EXIT, fromEnvelope } from "../errors.js";
import { printObject, printRows } from "../output.js";

/** A non-negative integer option (commander parser): a usage error (exit 2) otherwise. */
export function parseCount(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError("expected a non-negative integer");
  return Number(value);
}

/** One line per object of a plan: what `--dry-run` shows (the ids come only from the services). */
export function planRows(plan: SeedData): { kind: string; key: string; detail: string }[] {
  return [
    { kind: "org", key: plan.org.slug, detail: plan.org.name },
    ...plan.users.map((u) => ({ kind: "user", key: u.email, detail: `${u.name} (${u.role}), password ${u.password}` })),
    ...plan.agents.map((a) => ({ kind: "agent", key: a.agentId, detail: `${a.name} for ${a.catalogRef}: ${a.capabilities.join(" ")}` })),
    { kind: "conversation", key: plan.conversation.seedKey, detail: `${plan.conversation.name} with ${plan.conversation.members.length} participants` },
    ...plan.conversation.messages.map((m) => ({ kind: "message", key: m.clientId, detail: `${m.from}: ${m.content}` })),
    ...plan.contracts.map((c) => ({ kind: "contract", key: c.seedKey, detail: `${c.from} → ${c.to} [${c.allowedEventTypes.join(", ")}] ${c.boundaries.join("/")}` })),
  ];
}

/** Maps an error of `applySeed` (AppError or MessagingError, both with a code) to the CLI's exit codes. */
export function seedError(error: unknown): CliError {
  const coded = error as { code?: unknown; status?: unknown; message?: string };
  if (!(isAppError(error) || (typeof coded.code === "string" && typeof coded.status === "number"))) return new CliError((error as Error).message);
  if (coded.code === "unavailable") return new CliError(coded.message ?? "a service is unreachable", EXIT.unavailable, "is the stack running? `npm start`, then `symbia status`");
  return fromEnvelope(typeof coded.status === "number" ? coded.status : 0, String(coded.code), coded.message ?? "seed failed");
}

/** `symbia seed`: deterministic demo data from a seed number. */
export function seedCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command("seed")
    .description("create deterministic demo data (org, users, assistants' agents, conversation, contracts); safe to run again")
    .requiredOption("--seed <n>", "seed number (same number, same data)", parseCount)
    .option("--users <n>", "users besides the owner", parseCount, 3)
    .option("--dry-run", "show what the seed would create, without calling any service")
    .action(async (opts: { seed: number; users: number; dryRun?: boolean }) => {
      const options = globals();
      const plan = generateSeed(opts.seed, { users: opts.users });
      if (opts.dryRun) {
        if (options.output !== "table") return printObject(options, plan as unknown as Record<string, unknown>);
        return printRows(options, planRows(plan), [["kind", (r) => r.kind], ["key", (r) => r.key], ["detail", (r) => r.detail]]);
      }
      // One authenticated call first: it refreshes an expired access token and proves the login.
      await (await Api.open(options)).request("identity", "GET", "/api/auth/me");
      const profile = (await Api.open(options)).requireProfile();
      let report: SeedReport;
      try {
        report = await applySeed(plan, {
          identityUrl: urlOf("identity"),
          messagingUrl: urlOf("messaging"),
          networkUrl: urlOf("network"),
          catalogUrl: urlOf("catalog"),
          token: (profile.apiKey ?? profile.accessToken)!,
        });
      } catch (error) {
        throw seedError(error);
      }
      if (options.output !== "table") return printObject(options, report as unknown as Record<string, unknown>);
      printRows(options, report.entries, [["kind", (e) => e.kind], ["key", (e) => e.key], ["id", (e) => e.id ?? ""], ["status", (e) => e.status]]);
      const owner = plan.users.find((u) => u.role === "owner")!;
      process.stderr.write(`Seed ${plan.seed}: ${report.created} created, ${report.entries.length - report.created} already there. Org ${report.orgId}; log in as ${owner.email} (password ${owner.password}).\n`);
    });
}
