// The one output format of every benchmark: rows of (figure, value, baseline, ratio) where the
// baseline is measured in the same run, printed as a table beside the machine it ran on, and
// written to bench/results/<name>.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

/** One figure and the same-run baseline it is judged against. */
export interface Row {
  /** What was measured, e.g. "gateway p50, 16 connections". */
  figure: string;
  /** The measured value; null when the row was not measured (see `note`). */
  value: number | null;
  /** Unit of `value` and `baseline` (ms, req/s, events/s, MiB…). */
  unit: string;
  /** The baseline's value, measured in the same run; null when the figure has none (`note` says why). */
  baseline: number | null;
  /** What the baseline is, e.g. "direct to the wire server". */
  baselineLabel: string;
  /** value ÷ baseline (null without both). */
  ratio: number | null;
  /** Anything a reader needs: "not measured: …", the added time, a caveat. */
  note?: string;
}

/** The machine a run happened on: cores, CPU, Node and the load average when it started and ended. */
export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverage: [number, number, number];
}

/** Rounds to `digits` decimals (3 by default). */
export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The p-th percentile (0–100, nearest rank) of already sorted samples. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50/p90/p95/p99 and mean of unsorted samples. */
export function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p95: percentile(sorted, 95), p99: percentile(sorted, 99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length, samples: sorted.length };
}

/** The median of some numbers. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A row; the ratio is computed from value and baseline. */
export function row(figure: string, value: number | null, unit: string, baseline: number | null, baselineLabel: string, note?: string): Row {
  const ratio = value !== null && baseline !== null && baseline !== 0 ? Number((value / baseline).toPrecision(3)) : null;
  return { figure, value: value === null ? null : round(value, 3), unit, baseline: baseline === null ? null : round(baseline, 3), baselineLabel, ratio, ...(note ? { note } : {}) };
}

/** A row that could not be measured in this run, saying why. */
export function notMeasured(figure: string, unit: string, baselineLabel: string, reason: string): Row {
  return row(figure, null, unit, null, baselineLabel, `not measured: ${reason}`);
}

/** The machine now. */
export function machine(): Machine {
  const [a, b, c] = loadavg();
  return { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform}-${process.arch}`, loadAverage: [round(a!, 2), round(b!, 2), round(c!, 2)] };
}

/** One line naming the machine, for every printout. */
export function machineLine(m: Machine): string {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, load average ${m.loadAverage.join(" ")}`;
}

/** A number with a sensible number of digits for a table. */
export function fmt(n: number | null): string {
  if (n === null) return "—";
  const abs = Math.abs(n);
  if (abs > 0 && abs < 1) return String(Number(n.toPrecision(3)));
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** The rows as a plain-text table (figure, value, baseline, ratio, note). */
export function table(rows: Row[]): string {
  const cells = rows.map((r) => [r.figure, r.value === null ? "—" : `${fmt(r.value)} ${r.unit}`, r.baseline === null ? r.baselineLabel || "—" : `${fmt(r.baseline)} ${r.unit} (${r.baselineLabel})`, r.ratio === null ? "—" : `${fmt(r.ratio)}×`, r.note ?? ""]);
  const header = ["figure", "value", "baseline (same run)", "ratio", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** The rows as a Markdown table (for bench/README.md). */
export function markdown(rows: (Row & { bench?: string })[]): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const out = ["| bench | figure | value | baseline (same run) | ratio | note |", "|---|---|---|---|---|---|"];
  for (const r of rows) out.push(`| ${r.bench ?? ""} | ${esc(r.figure)} | ${r.value === null ? "—" : `${fmt(r.value)} ${r.unit}`} | ${r.baseline === null ? esc(r.baselineLabel || "—") : `${fmt(r.baseline)} ${r.unit} (${esc(r.baselineLabel)})`} | ${r.ratio === null ? "—" : `${fmt(r.ratio)}×`} | ${esc(r.note ?? "")} |`);
  return out.join("\n");
}

/** What a benchmark writes to results/<name>.json. */
export interface Result {
  benchmark: string;
  at: string;
  seconds: number;
  machineAtStart: Machine;
  machineAtEnd: Machine;
  setup: Record<string, unknown>;
  rows: Row[];
  details?: unknown;
}

/** Call first in a benchmark: notes the start time and the machine. */
export function start(name: string) {
  const startedAt = performance.now();
  const machineAtStart = machine();
  process.stdout.write(`bench ${name}: ${machineLine(machineAtStart)}\n`);
  return {
    /** Prints the table with the machine and writes results/<name>.json. */
    finish(setup: Record<string, unknown>, rows: Row[], details?: unknown): Result {
      const result: Result = { benchmark: name, at: new Date().toISOString(), seconds: round((performance.now() - startedAt) / 1000, 1), machineAtStart, machineAtEnd: machine(), setup, rows, ...(details === undefined ? {} : { details }) };
      process.stdout.write(`\n${name} — ${machineLine(result.machineAtEnd)} (load at start ${machineAtStart.loadAverage[0]}), ${result.seconds} s\n`);
      for (const [k, v] of Object.entries(setup)) process.stdout.write(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}\n`);
      process.stdout.write(`${table(rows)}\n`);
      const dir = fileURLToPath(new URL("../results/", import.meta.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(`written to bench/results/${name}.json\n`);
      return result;
    },
  };
}
