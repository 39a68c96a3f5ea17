// `npm run bench` runs every benchmark, `npm run bench -- <name> [<name>…]` some. Each runs in its
// own Node process (services' module state and metrics registries never meet), prints its table
// (figure, value, same-run baseline, ratio) with the machine, and writes results/<name>.json; with
// more than one, the combined table and the total time come last. BENCH_NODE_ARGS adds node flags
// to the benchmark process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { machine, machineLine, markdown, round, table, type Result } from "./lib/report.js";

/** Every benchmark, in the order `npm run bench` runs them (cheapest first). */
const BENCHES = ["runtime", "assistants", "identity", "gateway", "relay", "messaging", "logging", "models", "stack"] as const;

const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !(BENCHES as readonly string[]).includes(n));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(", ")}; usage: npm run bench [-- <${BENCHES.join("|")}> …]\n`);
  process.exit(2);
}
const names = asked.length ? asked : [...BENCHES];
const results = fileURLToPath(new URL("./results/", import.meta.url));
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);

function runOne(name: string): Promise<number> {
  const entry = fileURLToPath(new URL(`./${name}/${name}.bench.ts`, import.meta.url));
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], { stdio: "inherit", cwd: fileURLToPath(new URL("..", import.meta.url)) });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const machineAtStart = machine();
const t0 = performance.now();
const outcome: { name: string; code: number; seconds: number }[] = [];
for (const name of names) {
  process.stdout.write(`\n=== bench ${name} ===\n`);
  const t = performance.now();
  // A stale result must not pass for this run's.
  const file = `${results}${name}.json`;
  const before = existsSync(file) ? readFileSync(file, "utf8") : "";
  const code = await runOne(name);
  const fresh = existsSync(file) && readFileSync(file, "utf8") !== before;
  outcome.push({ name, code: code || (fresh ? 0 : 1), seconds: round((performance.now() - t) / 1000, 1) });
}
const total = round((performance.now() - t0) / 1000, 1);

if (names.length > 1) {
  const all: (Result["rows"][number] & { bench: string })[] = [];
  for (const { name, code } of outcome) {
    if (code !== 0) continue;
    const result = JSON.parse(readFileSync(`${results}${name}.json`, "utf8")) as Result;
    all.push(...result.rows.map((r) => ({ ...r, bench: name })));
  }
  const end = machine();
  process.stdout.write(`\n=== all benchmarks ===\nmachine: ${machineLine(end)} (load at start ${machineAtStart.loadAverage.join(" ")})\n`);
  process.stdout.write(`${table(all.map((r) => ({ ...r, figure: `${r.bench}: ${r.figure}` })))}\n`);
  for (const o of outcome) process.stdout.write(`  ${o.name.padEnd(11)} ${o.code === 0 ? "ok    " : `FAILED (exit ${o.code})`} ${o.seconds} s\n`);
  process.stdout.write(`total: ${total} s (${round(total / 60, 1)} min)\n`);
  writeFileSync(`${results}summary.md`, `Run of ${new Date().toISOString()} — ${machineLine(end)}; load average at start ${machineAtStart.loadAverage.join(" ")}; total ${total} s.\n\n${markdown(all)}\n\n${outcome.map((o) => `- ${o.name}: ${o.code === 0 ? "ok" : `failed (exit ${o.code})`}, ${o.seconds} s`).join("\n")}\n`);
  process.stdout.write("markdown table written to bench/results/summary.md\n");
}
process.exit(outcome.some((o) => o.code !== 0) ? 1 : 0);
