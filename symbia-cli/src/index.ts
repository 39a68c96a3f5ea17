import { Command, CommanderError, Option } from "commander";
import type { GlobalOptions } from "./api.js";
import { assistantsCommands } from "./commands/assistants.js";
import { authCommands } from "./commands/auth.js";
import { catalogCommands } from "./commands/catalog.js";
import { observeCommands } from "./commands/observe.js";
import { workCommands } from "./commands/work.js";
import { identityCommands } from "./commands/identity.js";
import { seedCommand } from "./commands/seed.js";
import { statusCommand } from "./commands/status.js";
import { CliError, EXIT } from "./errors.js";

/**
 * Runs the `symbia` command with `argv` (as `process.argv`). Errors print as one line with a
 * hint; the result is the exit code (0 ok, 2 usage, 3 unauthenticated, 4 forbidden, 5 not found,
 * 6 conflict, 7 unavailable, 8 invalid input, 1 anything else).
 */
export async function run(argv: string[]): Promise<number> {
  const program = new Command("symbia")
    .description("Administer and use a Symbia Stack")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "yaml"]).default("table"))
    .option("--org <orgId>", "organization to act in (default: `symbia orgs use`)")
    .option("--profile <name>", "saved login to use", "default")
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const globals = () => program.opts<GlobalOptions>();
  authCommands(program, globals);
  statusCommand(program, globals);
  identityCommands(program, globals);
  catalogCommands(program, globals);
  observeCommands(program, globals);
  workCommands(program, globals);
  assistantsCommands(program, globals);
  seedCommand(program, globals);
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`symbia: ${error.message}${error.hint ? ` — ${error.hint}` : ""}\n`);
      return error.exitCode;
    }
    process.stderr.write(`symbia: ${(error as Error).message}\n`);
    return EXIT.error;
  }
}
