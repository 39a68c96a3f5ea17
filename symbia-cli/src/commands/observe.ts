import type { Command } from "commander";
import { createParser } from "eventsource-parser";
import { Api, type GlobalOptions } from "../api.js";
import { printObject, printRows } from "../output.js";

interface SpanNode {
  name: string;
  service: string;
  durationMs: number;
  status?: string;
  spanId: string;
  children?: SpanNode[];
}

/** Renders a span tree as indented lines with durations (`traces` command). */
export function renderTree(roots: SpanNode[]): string {
  const lines: string[] = [];
  const walk = (node: SpanNode, prefix: string, last: boolean, top: boolean) => {
    const branch = top ? "" : last ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${node.name}  [${node.service}] ${node.durationMs.toFixed(1)} ms${node.status === "error" ? "  ✗" : ""}`);
    const kids = node.children ?? [];
    kids.forEach((child, i) => walk(child, top ? "" : `${prefix}${last ? "   " : "│  "}`, i === kids.length - 1, false));
  };
  roots.forEach((root, i) => walk(root, "", i === roots.length - 1, true));
  return lines.join("\n");
}

/** logs (query, tail -f), metrics, traces. */
export function observeCommands(program: Command, globals: () => GlobalOptions): void {
  const logs = program.command("logs").description("logs of the selected organization");
  const filters = (cmd: Command) =>
    cmd
      .option("--service <name>", "only this service")
      .option("--level <level>", "minimum level (debug|info|warn|error|fatal)")
      .option("--trace <traceId>", "one trace")
      .option("-q, --query <text>", "text search")
      .option("--since <duration>", "e.g. 15m, 2h, 1d", "1h");
  const params = (opts: { service?: string; level?: string; trace?: string; query?: string; since?: string }, withTime: boolean) => {
    const p = new URLSearchParams();
    if (opts.service) p.set("service", opts.service);
    if (opts.level) p.set("minLevel", opts.level);
    if (opts.trace) p.set("traceId", opts.trace);
    if (opts.query) p.set("q", opts.query);
    if (withTime && opts.since) p.set("from", new Date(Date.now() - parseDuration(opts.since)).toISOString());
    return p;
  };
  filters(logs.command("query").description("search logs")).option("--limit <n>", "rows", "100").action(async (opts) => {
    const options = globals();
    const p = params(opts, true);
    p.set("limit", opts.limit);
    const res = await (await Api.open(options)).request("logging", "GET", `/api/logs?${p}`);
    printRows(options, res.items, [["time", (l: any) => l.timestamp ?? l.time], ["level", (l: any) => l.level], ["service", (l: any) => l.service], ["message", (l: any) => l.message], ["trace", (l: any) => l.traceId ?? ""]]);
  });
  filters(logs.command("tail").description("follow logs live (Server-Sent Events)").option("-f, --follow", "keep following (default)", true)).action(async (opts) => {
    const options = globals();
    const res = await (await Api.open(options)).raw("logging", "GET", `/api/logs/stream?${params(opts, false)}`, { headers: { accept: "text/event-stream" } });
    const parser = createParser({
      onEvent: (event) => {
        if (event.event === "log") {
          const l = JSON.parse(event.data) as { timestamp?: string; level: string; service: string; message: string };
          process.stdout.write(options.output === "json" ? `${event.data}\n` : `${l.timestamp ?? ""} ${l.level.padEnd(5)} ${l.service.padEnd(12)} ${l.message}\n`);
        } else if (event.event === "dropped") process.stderr.write("symbia: the logging service dropped this tail (too slow)\n");
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  });

  program
    .command("metrics <name>")
    .description("aggregate a metric over time buckets")
    .option("--fn <fn>", "avg|sum|min|max|count", "avg")
    .option("--bucket <size>", "500ms, 30s, 5m, 1h, 1d", "1m")
    .option("--group-by <label...>", "label keys")
    .option("--since <duration>", "e.g. 15m, 2h", "1h")
    .action(async (name: string, opts: { fn: string; bucket: string; groupBy?: string[]; since: string }) => {
      const options = globals();
      const p = new URLSearchParams({ name, fn: opts.fn, bucket: opts.bucket, from: new Date(Date.now() - parseDuration(opts.since)).toISOString() });
      for (const g of opts.groupBy ?? []) p.append("groupBy", g);
      const res = await (await Api.open(options)).request("logging", "GET", `/api/metrics/aggregate?${p}`);
      const rows = res.series as Record<string, unknown>[];
      printRows(options, rows.flatMap((s: any) => (s.points ?? [s]).map((pt: any) => ({ labels: s.labels ?? {}, ...pt }))), [["bucket", (r: any) => r.t], ["value", (r: any) => r.value], ["labels", (r: any) => JSON.stringify(r.labels)]]);
    });

  program
    .command("traces <traceId>")
    .description("one trace as a span tree across services")
    .action(async (traceId: string) => {
      const options = globals();
      const res = await (await Api.open(options)).request("logging", "GET", `/api/traces/${encodeURIComponent(traceId)}`);
      if (options.output !== "table") return printObject(options, res);
      process.stdout.write(`trace ${traceId}: ${res.spanCount ?? ""} spans across ${(res.services ?? []).join(" → ")}\n`);
      process.stdout.write(`${renderTree((res.roots ?? res.spans ?? []) as SpanNode[])}\n`);
    });
}

/** "15m" → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text} (use 30s, 15m, 2h, 1d)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}
