// Relay benchmark: events/s through the network with signing, verification and 10 policies, and
// the latency the network adds per hop against a direct Socket.IO forward between the same two
// processes, measured in the same run. Figures are printed and written to results/relay.json.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { dropSchema } from "@symbia/db/testing";
import pg from "pg";
import { spawnIdentity } from "@symbia/id/testing";
import { connectRelay, defineHandler } from "@symbia/relay";
import { io as connect } from "socket.io-client";
import { z } from "zod";
import { row, start } from "../lib/report.js";

const bench = start("relay");

const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? 4_000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 32);
const LATENCY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1_000);
const WARMUP = 200;

const log = (line: string) => process.stdout.write(`${line}\n`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length), samples: sorted.length };
}

// The network's store: PostgreSQL when reachable (a fresh schema, dropped at the end), else pg-mem,
// whose per-row insert cost (~10 ms here) would measure pg-mem rather than the relay.
const databaseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `bench_network_${randomBytes(4).toString("hex")}`;
const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1_000 });
const postgres = await probe.connect().then(
  () => true,
  () => false,
);
await probe.end().catch(() => undefined);

log(`relay benchmark: starting identity and the network host (store: ${postgres ? "PostgreSQL" : "pg-mem"})…`);
// spawnIdentity reads identity's "listening" log line, so identity keeps its info level.
const identity = await spawnIdentity();
const admin = await identity.registerUser({ orgName: "Bench" });
const orgId = admin.orgId;

const hostEnv = {
  PATH: process.env.PATH ?? "",
  NODE_ENV: "development",
  LOG_LEVEL: "warn",
  ...(postgres ? { NETWORK_DATABASE_URL: databaseUrl, NETWORK_DB_SCHEMA: schema } : { NETWORK_USE_MEMORY_DB: "true" }),
  SHUTDOWN_DELAY_MS: "0",
  IDENTITY_SERVICE_URL: identity.url,
  IDENTITY_ISSUER: identity.issuer,
  NETWORK_SERVICE_SECRET: identity.serviceSecrets.network!,
  NETWORK_HASH_SECRET: randomBytes(32).toString("hex"),
};
// BENCH_HOST_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the network's process.
const hostArgs = (process.env.BENCH_HOST_NODE_ARGS ?? "").split(" ").filter(Boolean);
const host = spawn(process.execPath, [...hostArgs, "--import", "tsx", fileURLToPath(new URL("./host.ts", import.meta.url))], { env: hostEnv, stdio: ["ignore", "pipe", "inherit"] });
const ports = await new Promise<{ networkPort: number; forwarderPort: number }>((resolve, reject) => {
  let out = "";
  host.stdout!.on("data", (chunk) => {
    out += String(chunk);
    const line = out.split("\n").find((l) => l.includes('"ready"'));
    if (line) resolve(JSON.parse(line));
  });
  host.once("exit", (code) => reject(new Error(`network host exited with ${code}`)));
});
const networkUrl = `http://127.0.0.1:${ports.networkPort}`;

async function call(path: string, json: unknown) {
  const res = await fetch(`${networkUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` }, body: JSON.stringify(json) });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

// Ten policies of the org, evaluated on every event: eight that do not match (each kind of
// condition), a log at debug level, and a transform that stamps the payload.
const field = (f: string, op: string, value: unknown) => ({ field: f, op, value });
const policies = [
  { name: "deny control", conditions: [field("type", "eq", "control.cancel")], action: { type: "deny", reason: "bench" } },
  { name: "deny sources", conditions: [field("source", "in", ["service:runtime", "service:models"])], action: { type: "deny", reason: "bench" } },
  { name: "deny bridges", conditions: [field("source", "prefix", "bridge:")], action: { type: "deny", reason: "bench" } },
  { name: "deny extra", conditions: [field("boundary", "eq", "extra")], action: { type: "deny", reason: "bench" } },
  { name: "deny secrets", conditions: [field("dataClass", "eq", "secret")], action: { type: "deny", reason: "bench" } },
  { name: "route llm", conditions: [field("type", "regex", "^llm\\.(invoke|stream)$")], action: { type: "route", to: "service:integrations" } },
  { name: "deny other orgs", conditions: [field("orgId", "eq", "org-not-this-one")], action: { type: "deny", reason: "bench" } },
  { name: "deny inter", conditions: [field("boundary", "eq", "inter"), field("type", "prefix", "message.")], action: { type: "deny", reason: "bench" } },
  { name: "log", conditions: [field("type", "prefix", "message.")], action: { type: "log", level: "debug" } },
  { name: "stamp", conditions: [field("target", "neq", "nobody")], action: { type: "transform", operations: [{ op: "set", path: "stamped", value: true }] } },
];
for (const [i, p] of policies.entries()) await call("/api/policies", { ...p, priority: 100 - i });

// Relay path: assistants → network → messaging (default contract assistants-to-messaging).
const arrivals = new Map<number, number>();
let received = 0;
const receiver = connectRelay({
  networkUrl,
  nodeId: "service:messaging",
  type: "service",
  credentials: identity.serviceLogin("messaging"),
  handlers: {
    "message.*": defineHandler(z.object({ seq: z.number(), stamped: z.literal(true) }), (event) => {
      arrivals.set(event.data.seq, performance.now());
      received += 1;
    }),
  },
});
const sender = connectRelay({ networkUrl, nodeId: "service:assistants", type: "service", credentials: identity.serviceLogin("assistants"), outbox: { maxEvents: 100_000 } });
await Promise.all([receiver.ready(), sender.ready()]);
let seq = 0;
const emit = () => sender.emit("message.reply", { seq: ++seq }, { target: "service:messaging", orgId });

// Direct path: the same two processes, a plain Socket.IO forward.
const forwarder = `http://127.0.0.1:${ports.forwarderPort}`;
const directSender = connect(forwarder, { transports: ["websocket"] });
const directReceiver = connect(forwarder, { transports: ["websocket"] });
await Promise.all([directSender, directReceiver].map((s) => new Promise((resolve) => s.once("connect", () => resolve(undefined)))));
await directReceiver.emitWithAck("join", "receiver");
const directArrivals = new Map<number, number>();
directReceiver.on("message", (m: { seq: number }) => directArrivals.set(m.seq, performance.now()));

async function relayLatency(samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const result = await emit();
    if (result.queued || result.status !== "delivered") throw new Error(`not delivered: ${JSON.stringify(result)}`);
    out.push(arrivals.get(seq)! - t0);
  }
  return out;
}

async function directLatency(samples: number, start: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const n = start + i;
    const t0 = performance.now();
    directSender.emit("forward", { seq: n, stamped: true });
    while (!directArrivals.has(n)) await new Promise((r) => setImmediate(r));
    out.push(directArrivals.get(n)! - t0);
  }
  return out;
}

log(`warming up (${WARMUP} events each way)…`);
await relayLatency(WARMUP);
await directLatency(WARMUP, 1_000_000);

log(`latency: ${LATENCY_SAMPLES} sequential events per path, alternating…`);
const relaySamples: number[] = [];
const directSamples: number[] = [];
for (let round_ = 0; round_ < 10; round_++) {
  relaySamples.push(...(await relayLatency(LATENCY_SAMPLES / 10)));
  directSamples.push(...(await directLatency(LATENCY_SAMPLES / 10, 2_000_000 + round_ * 100_000)));
}

// The network's own view: mean time from receiving an event to its verdict (network_event_processing_seconds).
async function processing(): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${networkUrl}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return { sum: read("network_event_processing_seconds_sum"), count: read("network_event_processing_seconds_count") };
}

log(`throughput: ${THROUGHPUT_EVENTS} events, ${WINDOW} in flight…`);
const processingBefore = await processing();
const receivedBefore = received;
const t0 = performance.now();
let next = 0;
let verdictErrors = 0;
await Promise.all(
  Array.from({ length: WINDOW }, async () => {
    while (next < THROUGHPUT_EVENTS) {
      next += 1;
      const result = await emit();
      if (result.queued || result.status !== "delivered") verdictErrors += 1;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
const throughputReceived = received - receivedBefore;
const processingAfter = await processing();
const networkMeanMs = ((processingAfter.sum - processingBefore.sum) / (processingAfter.count - processingBefore.count)) * 1000;

const relay = summary(relaySamples);
const direct = summary(directSamples);
const added = { p50: round(relay.p50 - direct.p50), p90: round(relay.p90 - direct.p90), p99: round(relay.p99 - direct.p99) };
// Throughput baseline: the direct forwarder at the same window, the same number of events.
log(`throughput baseline: ${THROUGHPUT_EVENTS} events through the direct forwarder, ${WINDOW} in flight…`);
let directNext = 0;
let directDone = 0;
const directT0 = performance.now();
await new Promise<void>((resolve) => {
  const base = 5_000_000;
  const onArrival = (m: { seq: number }) => {
    if (m.seq < base) return;
    directDone += 1;
    if (directDone === THROUGHPUT_EVENTS) {
      directReceiver.off("message", onArrival);
      resolve();
    } else if (directNext < THROUGHPUT_EVENTS) directSender.emit("forward", { seq: base + directNext++, stamped: true });
  };
  directReceiver.on("message", onArrival);
  while (directNext < Math.min(WINDOW, THROUGHPUT_EVENTS)) directSender.emit("forward", { seq: base + directNext++, stamped: true });
});
const directSeconds = (performance.now() - directT0) / 1000;

const directLabel = "direct Socket.IO forward, same processes";
bench.finish(
  {
    processes: "bench (sender and receiver nodes) ↔ host (network service + a plain Socket.IO forwarder); identity in a third process",
    store: postgres ? "PostgreSQL 15 (local)" : "pg-mem",
    path: "service:assistants → network → service:messaging, HMAC-SHA256 signed by the sender, verified and re-signed by the network, verified by the receiver; history and trace recorded per event",
    policies: policies.length,
    throughputEvents: THROUGHPUT_EVENTS,
    window: WINDOW,
    latencySamples: relaySamples.length,
    note: "relay throughput waits for the network's verdict after delivery and trace storage; the direct forward only for arrival",
  },
  [
    row(`events/s, ${WINDOW} in flight`, THROUGHPUT_EVENTS / seconds, "events/s", THROUGHPUT_EVENTS / directSeconds, directLabel, `${throughputReceived} delivered, ${verdictErrors} not; network's own time per event ${round(networkMeanMs)} ms`),
    row("one-way latency p50", relay.p50, "ms", direct.p50, directLabel, `added per hop ${added.p50} ms`),
    row("one-way latency p90", relay.p90, "ms", direct.p90, directLabel, `added per hop ${added.p90} ms`),
    row("one-way latency p99", relay.p99, "ms", direct.p99, directLabel, `added per hop ${added.p99} ms`),
  ],
  { relayOneWay: relay, directOneWay: direct, addedPerHop: added, relaySeconds: seconds, directSeconds, networkMeanProcessingMs: networkMeanMs },
);

await Promise.all([sender.close(), receiver.close()]);
directSender.disconnect();
directReceiver.disconnect();
host.kill("SIGTERM");
await new Promise((resolve) => host.once("exit", resolve));
await identity.stop();
if (postgres) await dropSchema(databaseUrl, schema);
