// bench/stack: the whole stack as `npm start` runs it (scripts/start.mjs --new -y, pg-mem, ports
// moved by 21000, a temporary state directory, the admin from SYMBIA_ADMIN_*, stdin not a TTY):
// - cold start until every service answers /health/ready, against nine bare Node servers started
//   the same way (node --import tsx, three tiers of three, polled the same way): the floor of
//   starting nine processes here;
// - the services' total RSS (VmRSS of the launcher's children, the website apart) idle, against
//   the nine bare servers' total; and after a short load (assistant turns plus autocannon on
//   eight services' read and write endpoints), against the idle figure;
// - then Ctrl-C (SIGINT) and the time until the launcher exits.
// Run: npm run bench -- stack (BENCH_LOAD_SECONDS 10, BENCH_TURNS 5).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { load, type LoadResult } from "../lib/load.js";
import { notMeasured, row, start, type Row } from "../lib/report.js";
import { assistantDeliveryFailure, ensureWebsiteBuilt, launchStack, rssMiB, STACK_ADMIN, stackMemory } from "../lib/stack.js";
import { call, login, measureTurns, assistantOrg, type TurnsResult } from "../lib/turns.js";

const bench = start("stack");
const OFFSET = 21_000;
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const TURNS = Number(process.env.BENCH_TURNS ?? 5);
const IDLE_SETTLE_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nine bare servers under tsx, three tiers of three like the launcher; ready time and total RSS. */
async function bareBaseline(count: number): Promise<{ readyMs: number; rssMiB: number; stopMs: number }> {
  const entry = fileURLToPath(new URL("./bare-server.ts", import.meta.url));
  const children: ChildProcess[] = [];
  const t0 = performance.now();
  let measured: { readyMs: number; rssMiB: number } | undefined;
  try {
    for (let tier = 0; tier < Math.ceil(count / 3); tier++) {
      const ports = Array.from({ length: Math.min(3, count - tier * 3) }, (_, i) => OFFSET + 500 + tier * 3 + i);
      await Promise.all(
        ports.map(async (port) => {
          const child = spawn(process.execPath, ["--import", "tsx", entry], { env: { PATH: process.env.PATH ?? "", PORT: String(port) }, stdio: "ignore" });
          children.push(child);
          for (;;) {
            const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
              (r) => r.status === 200,
              () => false,
            );
            if (ok) return;
            if (child.exitCode !== null) throw new Error(`bare server on ${port} exited`);
            await sleep(50);
          }
        }),
      );
    }
    const readyMs = performance.now() - t0;
    await sleep(IDLE_SETTLE_MS);
    measured = { readyMs, rssMiB: children.reduce((sum, c) => sum + rssMiB(c.pid!), 0) };
  } finally {
    // Stopped in reverse order, each awaited, as the launcher stops its services.
    const t1 = performance.now();
    const exits = children.reverse().map((c) => {
      if (c.exitCode !== null) return undefined;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      return exited;
    });
    await Promise.all(exits);
    if (measured) return { ...measured, stopMs: performance.now() - t1 };
  }
  throw new Error("unreachable");
}

await ensureWebsiteBuilt();
process.stdout.write("starting the stack (cold, pg-mem)…\n");
const stack = await launchStack(OFFSET, { MODELS_STREAM_INTERVAL_MS: "0" });
const rows: Row[] = [];
const details: Record<string, unknown> = { readyMs: stack.readyMs, runningMs: stack.runningMs };
try {
  const n = stack.present.length;
  process.stdout.write(`${n} services ready in ${(stack.allReadyMs / 1000).toFixed(1)} s; idle ${IDLE_SETTLE_MS / 1000} s…\n`);
  await sleep(IDLE_SETTLE_MS);
  const idle = stackMemory(stack.pid);
  details.idle = idle;

  // Load: assistant turns, then autocannon on eight services at once.
  const session = await login(stack, STACK_ADMIN.email, STACK_ADMIN.password);
  process.stdout.write(`load: ${TURNS} assistant turns, then ${LOAD_SECONDS} s of autocannon on the services…\n`);
  // The assistant turns need the seed's agents; when no reply comes, the row says why.
  let turns: TurnsResult | string;
  try {
    turns = await measureTurns(stack, await assistantOrg(stack, session), TURNS);
  } catch (error) {
    const failure = assistantDeliveryFailure(stack);
    turns = `${(error as Error).message}${failure ? `; messaging's log: ${failure}` : ""}`;
  }
  details.turns = turns;
  const plainConversation = (await call(session, `${stack.urls.messaging}/api/conversations`, { json: { type: "group", name: "bench load" } })) as { id: string };
  const headers = { authorization: `Bearer ${session.token}`, "x-org-id": session.orgId, "content-type": "application/json" };
  const targets: Record<string, { url: string; method: "GET" | "POST"; body?: string }> = {
    identity: { url: `${stack.urls.identity}/api/auth/me`, method: "GET" },
    messaging: { url: `${stack.urls.messaging}/api/conversations/${plainConversation.id}/messages`, method: "POST", body: JSON.stringify({ content: "load" }) },
    catalog: { url: `${stack.urls.catalog}/api/resources`, method: "GET" },
    network: { url: `${stack.urls.network}/api/sdn/topology`, method: "GET" },
    models: { url: `${stack.urls.models}/v1/models`, method: "GET" },
    runtime: { url: `${stack.urls.runtime}/api/executions`, method: "GET" },
    integrations: { url: `${stack.urls.integrations}/api/usage/records`, method: "GET" },
    logging: { url: `${stack.urls.logging}/api/logs?limit=20`, method: "GET" },
  };
  const results = await Promise.all(Object.entries(targets).map(async ([id, t]) => [id, await load({ ...t, headers }, 2, { seconds: LOAD_SECONDS })] as const));
  const loadSummary = Object.fromEntries(results.map(([id, r]: readonly [string, LoadResult]) => [id, { requestsPerSecond: Math.round(r.requestsPerSecond), p50: r.latency.p50, non2xx: r.non2xx, errors: r.errors }]));
  details.load = loadSummary;
  const afterLoad = stackMemory(stack.pid);
  details.afterLoad = afterLoad;

  process.stdout.write("Ctrl-C (SIGINT)…\n");
  const stopped = await stack.interrupt();
  details.stop = stopped;

  process.stdout.write(`baseline: ${n} bare servers under tsx, same tiers…\n`);
  const bare = await bareBaseline(n);
  details.bare = bare;

  const bareLabel = `${n} bare Node servers under tsx, same tiers`;
  const non2xx = results.filter(([, r]) => r.non2xx || r.errors).map(([id, r]) => `${id} ${r.non2xx + r.errors}`);
  rows.push(
    row(`cold start to all ${n} services ready (pg-mem)`, stack.allReadyMs / 1000, "s", bare.readyMs / 1000, bareLabel, `launcher printed "running" at ${(stack.runningMs / 1000).toFixed(1)} s (admin created, website up)`),
    row(`total RSS of the ${n} services, idle`, idle.servicesTotal, "MiB", bare.rssMiB, bareLabel, `+ website ${idle.website.toFixed(0)} MiB, workers ${idle.workersTotal.toFixed(0)} MiB`),
    row(`total RSS of the ${n} services after the load`, afterLoad.servicesTotal, "MiB", idle.servicesTotal, "the same services idle, this run", `${TURNS} assistant turns + ${LOAD_SECONDS} s × 8 services × 2 connections${non2xx.length ? `; non-2xx: ${non2xx.join(", ")}` : ""}; workers ${afterLoad.workersTotal.toFixed(0)} MiB`),
    typeof turns === "string"
      ? notMeasured("assistant turn: message → first streamed chunk p50", "ms", "models service's own first chunk", turns)
      : row("assistant turn: message → first streamed chunk p50", turns.firstChunk.p50, "ms", turns.modelsFirstChunk.p50, "models service's own first chunk", `${turns.firstChunk.samples} turns, agent ${turns.agentId}`),
    row("Ctrl-C → launcher exited", stopped.ms / 1000, "s", bare.stopMs / 1000, `SIGTERM → ${n} bare servers exited`, `exit code ${stopped.code}; services export pg-mem state on the way out`),
  );
} finally {
  await stack.dispose();
}
bench.finish(
  {
    launcher: "node scripts/start.mjs --new -y; SYMBIA_STATE_DIR a temporary directory, SYMBIA_PORT_OFFSET 21000, SYMBIA_ADMIN_* set, stdin not a TTY, pg-mem, MODELS_STREAM_INTERVAL_MS 0",
    services: stack.present,
    rss: "VmRSS of the launcher's children (/proc/<pid>/status, pgrep -P), the website apart; their own children (models' workers) reported separately",
    idleSettleSeconds: IDLE_SETTLE_MS / 1000,
  },
  rows,
  details,
);
