import type { Command } from "commander";
import type { GlobalOptions } from "../api.js";
import { allUrls } from "../config.js";
import { CliError, EXIT } from "../errors.js";
import { printRows } from "../output.js";

/** `symbia status`: health of every service. */
export function statusCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command("status")
    .description("health of every service (exit 7 when one is not ready)")
    .action(async () => {
      const options = globals();
      const rows = await Promise.all(
        allUrls().map(async ([service, url]) => {
          const started = Date.now();
          try {
            const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3_000) });
            const body = (await res.json().catch(() => ({}))) as { status?: string; reason?: string };
            const health = (await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.json()).catch(() => ({}))) as { version?: string; uptimeSeconds?: number };
            return { service, url, status: res.status === 200 ? "ready" : `not ready${body.reason ? ` (${body.reason})` : ""}`, version: health.version ?? "", uptime: health.uptimeSeconds ?? "", ms: Date.now() - started };
          } catch {
            return { service, url, status: "down", version: "", uptime: "", ms: Date.now() - started };
          }
        }),
      );
      printRows(options, rows, [["service", (r) => r.service], ["url", (r) => r.url], ["status", (r) => r.status], ["version", (r) => r.version], ["uptime s", (r) => r.uptime], ["ms", (r) => r.ms]]);
      if (rows.some((r) => r.status !== "ready")) throw new CliError(`${rows.filter((r) => r.status !== "ready").length} of ${rows.length} services are not ready`, EXIT.unavailable);
    });
}
