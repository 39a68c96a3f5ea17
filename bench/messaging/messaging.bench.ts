/**
 * bench/messaging: deliveries per second and send→receive latency (p50/p99) for a 10-member
 * conversation, through messaging (Socket.IO `message:send` → stored with its sequence →
 * `message:new` to all 10 members) on pg-mem and on PostgreSQL, against a bare Socket.IO room
 * broadcast measured in the same run on the same machine.
 *
 *   npm run bench -w @symbia/messaging-service
 *   BENCH_MESSAGES=2000 BENCH_IN_FLIGHT=16 BENCH_DATABASE_URL=postgres://… npm run bench -w @symbia/messaging-service
 *
 * A script: it prints its figures (no assertions).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase } from "@symbia/db/testing";
import { spawnIdentity } from "@symbia/id/testing";
import { Server } from "socket.io";
import { io as connectSocket, type Socket } from "socket.io-client";
import * as schema from "../src/db/schema.js";
import { migrationsDir } from "../src/deps.js";
import { addUserToOrg, api, connect, registerOwner, startMessaging, type Member } from "../test/harness.js";

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
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Sends MESSAGES through `send` with IN_FLIGHT outstanding, and measures when each of the
 * receivers gets each one (matched by a key in the payload).
 */
async function measure(name: string, receivers: Socket[], event: string, keyOf: (payload: any) => string | undefined, send: (key: string) => Promise<unknown>): Promise<Result> {
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
  const slug = name.replace(/[^A-Za-z0-9]+/g, "-");
  let next = 0;
  const worker = async () => {
    while (next < MESSAGES) {
      const key = `${slug}-${next++}`;
      sentAt.set(key, performance.now());
      await send(key);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await all;
  const seconds = (performance.now() - started) / 1000;
  for (const r of receivers) r.off(event);
  latencies.sort((a, b) => a - b);
  return { name, messages: MESSAGES, deliveries, seconds: round(seconds), deliveriesPerSecond: Math.round(deliveries / seconds), p50ms: round(percentile(latencies, 50)), p99ms: round(percentile(latencies, 99)) };
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
  const sender = clients[0]!;
  const result = await measure("bare Socket.IO room", clients, "new", (p: { key?: string }) => p.key, (key) => sender.emitWithAck("send", { key, content: "benchmark message" }));
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
    const sender = sockets[0]!;
    const result = await measure(`messaging (${label})`, sockets, "message:new", (m: { clientId?: string }) => m.clientId ?? undefined, async (key) => {
      const ack = await sender.timeout(60_000).emitWithAck("message:send", { conversationId: conv, content: "benchmark message", clientId: key });
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
  results.push(await bareSocketIo());
  results.push(await messagingRun("pg-mem", identity, owner, members, undefined));
  results.push(await bareSocketIo());
  results.push(await messagingRun("PostgreSQL", identity, owner, members, POSTGRES));
  console.log(`\n${MEMBERS}-member conversation, ${MESSAGES} messages, ${IN_FLIGHT} sends in flight, one sender\n`);
  console.table(results.map((r) => ({ run: r.name, "deliveries/s": r.deliveriesPerSecond, "p50 ms": r.p50ms, "p99 ms": r.p99ms, seconds: r.seconds, deliveries: r.deliveries })));
  console.log(JSON.stringify({ bench: "messaging", members: MEMBERS, messages: MESSAGES, inFlight: IN_FLIGHT, results }));
} finally {
  await identity.stop();
}
