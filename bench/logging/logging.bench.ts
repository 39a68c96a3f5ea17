// Ingest throughput into PostgreSQL: log events per second through logging's HTTP batch endpoint
// and through its ingest service function, against the bound of a plain parameterized multi-row
// INSERT of the same rows with `pg`, all in one run on a fresh schema.
//
//   npm run bench -- logging            (BENCH_EVENTS=20000 BENCH_BATCH=500)
//   BENCH_DATABASE_URL=postgres://… to use another server (default: the local test database)
import { randomUUID } from "node:crypto";
import { createTestDatabase } from "@symbia/db/testing";
import { createLogger } from "@symbia/http";
import { LEVEL_NUMBERS, LOG_LEVELS } from "@symbia/logging-client";
import type { Principal } from "@symbia/sys";
import pg from "pg";
import { row, start } from "../lib/report.js";
import { createApp } from "../../logging/src/app.js";
import { loadConfig } from "../../logging/src/config.js";
import * as schema from "../../logging/src/db/schema.js";
import { buildDeps, migrationsDir } from "../../logging/src/deps.js";
import { ingest } from "../../logging/src/ingest/ingest.service.js";

const bench = start("logging");
const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const ORG = "00000000-0000-4000-8000-000000000001";

const benchPrincipal: Principal = { id: "service:bench", type: "service", entityId: "ent_bench", orgs: [], entitlements: ["cap:logging.write"], credential: { kind: "token" } };

function events(tag: string) {
  const start = Date.now() - EVENTS;
  return Array.from({ length: EVENTS }, (_, i) => ({
    id: `${tag}-${randomUUID()}`,
    service: i % 3 ? "checkout" : "billing",
    env: "production",
    dataClass: "none" as const,
    timestamp: new Date(start + i).toISOString(),
    level: LOG_LEVELS[2 + (i % 3)]!,
    message: `request ${i} handled in ${i % 97} ms for order o-${i % 1000}`,
    fields: { orderId: `o-${i % 1000}`, durationMs: i % 97, route: "/api/orders/:id" },
    traceId: randomUUID().replaceAll("-", ""),
  }));
}

async function timed(name: string, fn: () => Promise<void>) {
  const t0 = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name, seconds, perSecond: EVENTS / seconds };
}

const database = await createTestDatabase({ service: "logging", schema, migrationsDir, url });
const config = loadConfig({
  NODE_ENV: "production",
  LOG_LEVEL: "silent",
  LOGGING_SERVICE_SECRET: "bench-secret-not-used-0000",
  RETENTION_INTERVAL_MS: "0",
  RATE_LIMIT_POINTS: "0",
  BODY_LIMIT_BYTES: String(64 * 1024 * 1024),
  SHUTDOWN_DELAY_MS: "0",
});
const deps = await buildDeps(config, { database, logger: createLogger({ service: "logging", level: "silent" }), authenticate: async () => benchPrincipal });
const server = createApp(deps);
await server.listen(0, "127.0.0.1");
const client = new pg.Client({ connectionString: url, options: `-c search_path="${database.schemaName}"` });
await client.connect();

const results = [];
try {
  // Warm-up: JIT, connection pool, plans.
  await ingest(deps, benchPrincipal, ORG, { logs: events("warm").slice(0, 2_000) });

  const columns = ["org_id", "service", "env", "data_class", "id", "ts", "level", "level_num", "message", "fields", "trace_id", "span_id", "run_id", "ingested_by"];
  const plainInsert = (label: string) => {
    const plain = events(label);
    return timed(`plain multi-row INSERT (pg, ${BATCH}/statement) — the bound${label === "plain2" ? ", again last" : ""}`, async () => {
      for (let i = 0; i < plain.length; i += BATCH) {
        const rows = plain.slice(i, i + BATCH);
        const values: unknown[] = [];
        const tuples = rows.map((e, r) => {
          values.push(ORG, e.service, e.env, e.dataClass, e.id, e.timestamp, e.level, LEVEL_NUMBERS[e.level], e.message, JSON.stringify(e.fields), e.traceId, null, null, benchPrincipal.id);
          return `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(",")})`;
        });
        await client.query(`INSERT INTO logs (${columns.join(",")}) VALUES ${tuples.join(",")} ON CONFLICT DO NOTHING`, values);
      }
    });
  };
  // The bound runs first and again last: the table (and its indexes) grows during the run.
  results.push(await plainInsert("plain"));

  const direct = events("direct");
  results.push(
    await timed(`ingest() service function (${BATCH}/batch)`, async () => {
      for (let i = 0; i < direct.length; i += BATCH) await ingest(deps, benchPrincipal, ORG, { logs: direct.slice(i, i + BATCH) });
    }),
  );

  const http = events("http");
  results.push(
    await timed(`POST /api/logs over HTTP (${BATCH}/request, validation, auth, one at a time)`, async () => {
      for (let i = 0; i < http.length; i += BATCH) {
        const res = await fetch(`${server.url()}/api/logs`, { method: "POST", headers: { "content-type": "application/json", "x-org-id": ORG }, body: JSON.stringify({ items: http.slice(i, i + BATCH) }) });
        if (res.status !== 201) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );

  const concurrent = events("conc");
  results.push(
    await timed(`POST /api/logs over HTTP (${BATCH}/request, 4 in flight)`, async () => {
      const batches: (typeof concurrent)[] = [];
      for (let i = 0; i < concurrent.length; i += BATCH) batches.push(concurrent.slice(i, i + BATCH));
      const worker = async () => {
        for (let b = batches.shift(); b; b = batches.shift()) {
          const res = await fetch(`${server.url()}/api/logs`, { method: "POST", headers: { "content-type": "application/json", "x-org-id": ORG }, body: JSON.stringify({ items: b }) });
          if (res.status !== 201) throw new Error(`ingest answered ${res.status}`);
          await res.arrayBuffer();
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
    }),
  );

  results.push(await plainInsert("plain2"));

  const count = await client.query<{ n: string }>("SELECT count(*) AS n FROM logs");
  // The bound is the mean of its two runs (first and last), so table growth does not favour either side.
  const bound = (results[0]!.perSecond + results.at(-1)!.perSecond) / 2;
  const label = "plain multi-row INSERT, mean of first and last run";
  bench.finish(
    {
      store: "PostgreSQL (a fresh schema)",
      eventsPerPath: EVENTS,
      batch: BATCH,
      rowsStored: Number(count.rows[0]!.n),
      bound: `plain parameterized INSERT of ${BATCH} rows per statement with pg, run first and again last (the table grows during the run)`,
    },
    [
      row(`ingest() service function, ${BATCH}/batch`, results[1]!.perSecond, "events/s", bound, label),
      row(`POST /api/logs, ${BATCH}/request, one at a time`, results[2]!.perSecond, "events/s", bound, label, "validation, auth, JSON over HTTP"),
      row(`POST /api/logs, ${BATCH}/request, 4 in flight`, results[3]!.perSecond, "events/s", bound, label),
    ],
    results,
  );
} finally {
  await client.end();
  await server.shutdown("bench end");
  await database.close();
}
