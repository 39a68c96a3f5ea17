/**
 * bench/messaging: deliveries per second and send→receive latency (p50/p99) for a 10-member
 * conversation, through messaging (Socket.IO `message:send` → stored with its sequence →
 * `message:new` to all 10 members) on pg-mem and on PostgreSQL, against a bare Socket.IO room
 * broadcast measured in the same run on the same machine.
 *
 *   npm run bench -- messaging
 *   BENCH_MESSAGES=2000 BENCH_IN_FLIGHT=16 BENCH_DATABASE_URL=postgres://… npm run bench -- messaging
 *
 * A script: it prints its figures (no assertions).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase } from "@symbia/db/testing";
import { spawnIdentity } from "@symbia/id/testing";
import { Server } from "socket.io";
import { io as connectSocket, type Socket } from "socket.io-client";
import * as schema from "../../messaging/src/db/schema.js";
import { migrationsDir } from "../../messaging/src/deps.js";
import { addUserToOrg, api, connect, registerOwner, startMessaging, type Member } from "../../messaging/test/harness.js";
import { row, start, type Row } from "../lib/report.js";

const bench = start("messaging");

const MEMBERS = 10;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const POSTGRES = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
// The pg-mem run must not pick up a test database URL from the environment.
delete process.env.TEST_DATABASE_URL;

interface Result {
  name: string;
  messages: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  p50ms: number;
  p99ms: number;
  /** CPU time of this process (server and its ten clients) per message, ms: less sensitive to a busy machine than wall time. */
  cpuMsPerMessage: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Sends MESSAGES through `send` with IN_FLIGHT outstanding, and measures when each of the
 * receivers gets each one (matched by a key in the payload).
 */
async function measure(name: string, receivers: Socket[], event: string, keyOf: (payload: any) => string | undefined, send: (key: string, n: number) => Promise<unknown>): Promise<Result> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let deliveries = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const expected = MESSAGES * receivers.length;
  for (const r of receivers) {
    r.on(event, (payload: unknown) => {
      const key = keyOf(payload);
      const t0 = key ? sentAt.get(key) : undefined;
      if (t0 === undefined) return;
      latencies.push(performance.now() - t0);
      if (++deliveries === expected) resolveAll();
    });
  }
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const slug = name.replace(/[^A-Za-z0-9]+/g, "-");
  let next = 0;
  const worker = async () => {
    while (next < MESSAGES) {
      const n = next++;
      const key = `${slug}-${n}`;
      sentAt.set(key, performance.now());
      await send(key, n);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await all;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const r of receivers) r.off(event);
  latencies.sort((a, b) => a - b);
  return { name, messages: MESSAGES, deliveries, seconds: round(seconds), deliveriesPerSecond: Math.round(deliveries / seconds), p50ms: round(percentile(latencies, 50)), p99ms: round(percentile(latencies, 99)), cpuMsPerMessage: Math.round(((cpu.user + cpu.system) / 1000 / MESSAGES) * 1000) / 1000 };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** A bare Socket.IO server: clients join one room; `send` is broadcast to it and acknowledged. */
async function bareSocketIo(): Promise<Result> {
  const http = createServer();
  const io = new Server(http);
  io.on("connection", (socket) => {
    void socket.join("room");
    socket.on("send", (payload: unknown, ack: (r: unknown) => void) => {
      io.to("room").emit("new", payload);
      ack({ ok: true });
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients = await Promise.all(
    Array.from({ length: MEMBERS }, async () => {
      const s = connectSocket(url, { transports: ["websocket"], forceNew: true });
      await new Promise<void>((r) => s.once("connect", () => r()));
      return s;
    }),
  );
  const result = await measure("bare Socket.IO room", clients, "new", (p: { key?: string }) => p.key, (key, n) => clients[n % clients.length]!.emitWithAck("send", { key, content: "benchmark message" }));
  for (const c of clients) c.disconnect();
  await new Promise<void>((r) => io.close(() => r()));
  return result;
}

async function messagingRun(label: string, identity: Awaited<ReturnType<typeof spawnIdentity>>, owner: Member, members: Member[], url: string | undefined): Promise<Result> {
  const database = await createTestDatabase({ service: "messaging", schema, migrationsDir, ...(url ? { url } : {}) });
  const messaging = await startMessaging(identity, { database, env: { LOG_LEVEL: "silent" } });
  try {
    const conv = (await api(messaging.url, "/api/conversations", { token: owner.token, json: { type: "group", participants: members.slice(1).map((m) => ({ principalId: m.id })) } })).body.id as string;
    const sockets = await Promise.all(members.map((m) => connect(messaging.url, m)));
    const result = await measure(`messaging (${label})`, sockets, "message:new", (m: { clientId?: string }) => m.clientId ?? undefined, async (key, n) => {
      // Members take turns: messaging limits message:send to 100/s per socket.
      const ack = await sockets[n % sockets.length]!.timeout(60_000).emitWithAck("message:send", { conversationId: conv, content: "benchmark message", clientId: key });
      if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
    });
    const last = (await api(messaging.url, `/api/conversations/${conv}`, { token: owner.token })).body.lastSequence;
    if (last !== MESSAGES) throw new Error(`expected ${MESSAGES} sequences, got ${last}`);
    for (const s of sockets) s.disconnect();
    return result;
  } finally {
    await messaging.close();
    await database.close();
  }
}

const identity = await spawnIdentity();
try {
  await identity.registerUser();
  const owner = await registerOwner(identity, "Bench owner");
  const members: Member[] = [owner];
  for (let i = 1; i < MEMBERS; i++) members.push(await addUserToOrg(identity, owner, "member", `Bench ${i}`));
  const results: Result[] = [];
  // BENCH_STORES (default "pg-mem,postgres"): which stores to run, each after its own bare room run.
  const stores = (process.env.BENCH_STORES ?? "pg-mem,postgres").split(",");
  const pairs: [number, string][] = [];
  if (stores.includes("pg-mem")) {
    results.push(await bareSocketIo());
    results.push(await messagingRun("pg-mem", identity, owner, members, undefined));
    pairs.push([results.length - 1, "pg-mem"]);
  }
  if (stores.includes("postgres")) {
    results.push(await bareSocketIo());
    results.push(await messagingRun("PostgreSQL", identity, owner, members, POSTGRES));
    pairs.push([results.length - 1, "PostgreSQL"]);
  }
  const rows: Row[] = [];
  for (const [k, store] of pairs) {
    const m = results[k]!;
    const b = results[k - 1]!;
    const label = "bare Socket.IO room, run just before";
    rows.push(
      row(`deliveries/s (${store})`, m.deliveriesPerSecond, "deliveries/s", b.deliveriesPerSecond, label, `${m.deliveries} deliveries in ${m.seconds} s`),
      row(`send → receive p50 (${store})`, m.p50ms, "ms", b.p50ms, label),
      row(`send → receive p99 (${store})`, m.p99ms, "ms", b.p99ms, label),
      row(`CPU per message, server + 10 clients (${store})`, m.cpuMsPerMessage, "ms", b.cpuMsPerMessage, label, "process CPU time ÷ messages"),
    );
  }
  bench.finish(
    {
      conversation: `${MEMBERS} members, every one with a socket; members take turns sending (message:send is limited to 100/s per socket)`,
      messages: MESSAGES,
      inFlight: IN_FLIGHT,
      path: "message:send → membership check, sequence (row lock) and insert in one transaction → message:new to the 10 sockets; latency from send to each member's receipt",
      baseline: "one Socket.IO server, ten clients in a room, send → io.to(room).emit, acknowledged",
    },
    rows,
    results,
  );
} finally {
  await identity.stop();
}
