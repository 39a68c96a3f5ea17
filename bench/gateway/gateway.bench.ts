// bench/gateway: the integrations gateway's added latency (p50, p99) and its maximum requests/s at
// concurrency 1, 16 and 64, against calling the same local OpenAI-format server directly, in the
// same run. Each server runs in its own process (identity, the wire server, the gateway started by
// its index.ts, on PostgreSQL at BENCH_DATABASE_URL — pg-mem when unreachable); this process only runs autocannon.
// Run: npm run bench -- gateway (BENCH_SECONDS per run, default 5). Prints figures; asserts nothing.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { spawnIdentity } from "@symbia/id/testing";
import { dropSchema } from "@symbia/db/testing";
import { load } from "../lib/load.js";
import { reachablePostgres } from "../lib/postgres.js";
import { cpuMsOfTree } from "../lib/stack.js";
import { row, start, type Row } from "../lib/report.js";

const bench = start("gateway");
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const children: ChildProcess[] = [];

/** Starts `args` under tsx and resolves with the port it reports (a JSON line with `port`). */
function startChild(args: string[], env: Record<string, string>, marker: string, nodeFlags: string[] = []): Promise<number> {
  // With node flags, node itself runs tsx's loader (NODE_OPTIONS refuses --cpu-prof).
  const child = nodeFlags.length ? spawn(process.execPath, [...nodeFlags, "--import", "tsx", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", ...env } }) : spawn(tsx, args, { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "", ...env } });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += String(d);
      for (const line of out.split("\n")) {
        if (!line.includes(marker)) continue;
        // Found: from now on the output (one log line per request) is read and dropped.
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}: ${err}`)));
  });
}

const databaseUrl = await reachablePostgres();
const schema = `bench_integrations_${process.pid}`;
const identity = await spawnIdentity();
try {
  const user = await identity.registerUser({ orgName: "Bench" });
  const wirePort = await startChild([fileURLToPath(new URL("./wire-server.ts", import.meta.url))], {}, '"port"');
  const wire = `http://127.0.0.1:${wirePort}`;
  const gatewayPort = await startChild(
    [fileURLToPath(new URL("../../integrations/src/index.ts", import.meta.url))],
    {
      NODE_ENV: "production",
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info", // as in production: one line per request
      INTEGRATIONS_PORT: "0",
      RATE_LIMIT_POINTS: "0",
      SHUTDOWN_DELAY_MS: "0",
      IDENTITY_SERVICE_URL: identity.url,
      IDENTITY_ISSUER: identity.issuer,
      INTEGRATIONS_SERVICE_SECRET: identity.serviceSecrets.integrations!,
      INTEGRATIONS_DEFAULT_PROVIDER: "openai",
      INTEGRATIONS_MODEL_CONFIG: "env",
      OPENAI_API_KEY: "sk-bench-0000000000",
      OPENAI_BASE_URL: `${wire}/v1`,
      ...(databaseUrl ? { INTEGRATIONS_DATABASE_URL: databaseUrl, INTEGRATIONS_DB_SCHEMA: schema } : {}),
    },
    '"msg":"listening"',
    // BENCH_PROFILE_DIR: write a V8 CPU profile of the gateway there (for finding hot spots).
    process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [],
  );
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const messages = [{ role: "user", content: "Say hello in five words." }];
  const targets = {
    direct: { url: `${wire}/v1/chat/completions`, headers: { "content-type": "application/json", authorization: "Bearer sk-bench-0000000000" }, body: JSON.stringify({ model: "gpt-4o-mini", messages }) },
    gateway: { url: `${gateway}/api/integrations/execute`, headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` }, body: JSON.stringify({ operation: "chat", params: { messages } }) },
  };
  const run = (target: (typeof targets)["direct"], connections: number, duration: number) => load(target, connections, { seconds: duration });

  // Warm up both (JIT, JWKS fetch, vault lookup cache, database pool).
  await run(targets.direct, 4, 1);
  await run(targets.gateway, 4, 2);
  const rows: Row[] = [];
  const runs: unknown[] = [];
  for (const c of [1, 16, 64]) {
    // CPU of each server's process per request: less sensitive to a busy machine than wall time.
    const [wireProcess, gatewayProcess] = [children[0]!.pid!, children[1]!.pid!];
    let cpu = cpuMsOfTree(wireProcess);
    const d = await run(targets.direct, c, seconds);
    const wireCpu = (cpuMsOfTree(wireProcess) - cpu) / (d.requestsPerSecond * d.seconds);
    cpu = cpuMsOfTree(gatewayProcess);
    const g = await run(targets.gateway, c, seconds);
    const gatewayCpu = (cpuMsOfTree(gatewayProcess) - cpu) / (g.requestsPerSecond * g.seconds);
    const label = "direct to the wire server";
    const errors = `non-2xx/errors: direct ${d.non2xx + d.errors}, gateway ${g.non2xx + g.errors}`;
    rows.push(
      row(`latency p50, ${c} connection${c > 1 ? "s" : ""}`, g.latency.p50, "ms", d.latency.p50, label, `gateway adds ${(g.latency.p50 - d.latency.p50).toFixed(2)} ms`),
      row(`latency p99, ${c} connection${c > 1 ? "s" : ""}`, g.latency.p99, "ms", d.latency.p99, label, `gateway adds ${(g.latency.p99 - d.latency.p99).toFixed(2)} ms`),
      row(`requests/s, ${c} connection${c > 1 ? "s" : ""}`, g.requestsPerSecond, "req/s", d.requestsPerSecond, label, errors),
      row(`server CPU per request, ${c} connection${c > 1 ? "s" : ""}`, gatewayCpu, "ms", wireCpu, "the wire server's CPU per request", "gateway process vs wire server process (/proc CPU time ÷ requests)"),
    );
    runs.push({ connections: c, direct: { latency: d.latency, requestsPerSecond: d.requestsPerSecond, cpuMsPerRequest: wireCpu, non2xx: d.non2xx, errors: d.errors }, gateway: { latency: g.latency, requestsPerSecond: g.requestsPerSecond, cpuMsPerRequest: gatewayCpu, non2xx: g.non2xx, errors: g.errors } });
  }
  bench.finish(
    {
      path: "POST /api/integrations/execute (chat; JWT auth, provider lookup, usage record) vs POST /v1/chat/completions on the wire server",
      processes: "identity, the wire server and the gateway (its index.ts) each in a child process; autocannon in this one",
      database: databaseUrl ? "PostgreSQL (local)" : "pg-mem",
      secondsPerRun: seconds,
      logLevel: "info (one line per request, as in production)",
    },
    rows,
    runs,
  );
} finally {
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return exited;
    }),
  );
  await identity.stop();
  if (databaseUrl) await dropSchema(databaseUrl, schema);
}
