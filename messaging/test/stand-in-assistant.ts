import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AssistantOutboundEvent, ControlNotice, Message } from "@symbia/messaging-client";
import type { Socket } from "socket.io-client";
import { api, connect, emitAck, sleep, type Member } from "./harness.js";

/**
 * The assistants' webhook, as a real HTTP server: it records every event messaging POSTs and
 * hands each to the stand-in assistants listening.
 */
export interface WebhookHub {
  url: string;
  events: { headers: Record<string, string | string[] | undefined>; body: AssistantOutboundEvent }[];
  listen(fn: (event: AssistantOutboundEvent) => void): void;
  close(): Promise<void>;
}

/** Starts a {@link WebhookHub} on a free port. */
export async function startWebhookHub(): Promise<WebhookHub> {
  const listeners: ((event: AssistantOutboundEvent) => void)[] = [];
  const events: WebhookHub["events"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += String(d)));
    req.on("end", () => {
      const event = JSON.parse(body) as AssistantOutboundEvent;
      events.push({ headers: req.headers, body: event });
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      for (const l of listeners) l(event);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    events,
    listen: (fn) => listeners.push(fn),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One reply the stand-in streamed. */
export interface StandInReply {
  messageId: string;
  replyTo: string;
  conversationId: string;
  sent: string[];
  /** When each chunk was acknowledged by messaging (ms since epoch). */
  sentAt: number[];
  acks: { index: number; ok: boolean; outcome?: string; code?: string }[];
  end?: { ok: boolean; data?: any; error?: any };
  /** Why stream:start was refused, if it was. */
  startError?: unknown;
  stopped: boolean;
  done: Promise<void>;
}

/** Options of {@link startStandIn}. */
export interface StandInOptions {
  url: string;
  agent: Member;
  hub: WebhookHub;
  /** How many chunks each reply has (default 12). */
  chunks?: number;
  /** Delay between chunks (default 30 ms). */
  intervalMs?: number;
  /** Answer one turn at a time: a turn that arrives while replying waits (default false). */
  serial?: boolean;
}

/**
 * A stand-in assistant: a real agent principal connected to messaging as a real Socket.IO client,
 * receiving messaging's events through the webhook hub (message.new, message.control) and its
 * socket (control:received), and streaming real chunks of its replies over the socket. It answers
 * the turns whose respondent it is; it keeps producing while paused (messaging must hold the
 * chunks); it stops a reply when told it was cancelled; on preempt it answers the newer message.
 */
export async function startStandIn(options: StandInOptions) {
  const { agent } = options;
  const socket: Socket = await connect(options.url, agent);
  const replies: StandInReply[] = [];
  const controls: { via: "socket" | "webhook"; notice: ControlNotice }[] = [];
  const turns: AssistantOutboundEvent[] = [];
  const seenControls = new Set<string>();
  let busy: Promise<void> = Promise.resolve();
  const chunkText = (n: number, i: number) => `${n}.${i} `;

  function answer(message: Message): StandInReply {
    const existing = replies.find((r) => r.replyTo === message.id);
    if (existing) return existing;
    const reply: StandInReply = { messageId: randomUUID(), replyTo: message.id, conversationId: message.conversationId, sent: [], sentAt: [], acks: [], stopped: false, done: Promise.resolve() };
    replies.push(reply);
    const run = async () => {
      if (reply.stopped) return;
      const started = await emitAck(socket, "stream:start", { conversationId: message.conversationId, messageId: reply.messageId, replyTo: message.id });
      if (!started.ok) {
        reply.startError = started.error;
        reply.stopped = true;
        return;
      }
      const total = options.chunks ?? 12;
      for (let i = 0; i < total && !reply.stopped; i++) {
        await sleep(options.intervalMs ?? 30);
        if (reply.stopped) break;
        const delta = chunkText(replies.indexOf(reply), i);
        const ack = await emitAck(socket, "stream:chunk", { messageId: reply.messageId, index: i, delta });
        reply.acks.push(ack.ok ? { index: i, ok: true, outcome: ack.data.outcome } : { index: i, ok: false, code: ack.error.code });
        if (!ack.ok) {
          reply.stopped = true;
          break;
        }
        reply.sent.push(delta);
        reply.sentAt.push(Date.now());
      }
      if (!reply.stopped) reply.end = await emitAck(socket, "stream:end", { messageId: reply.messageId });
    };
    // A reply cut short by close() (acks of a closed socket reject) just stops.
    const guarded = () => run().catch(() => void (reply.stopped = true));
    reply.done = options.serial ? (busy = busy.then(guarded)) : guarded();
    return reply;
  }

  function onControl(via: "socket" | "webhook", notice: ControlNotice) {
    controls.push({ via, notice });
    if (seenControls.has(notice.id)) return;
    seenControls.add(notice.id);
    for (const r of replies) if (notice.cancelled.includes(r.messageId)) r.stopped = true;
    if (notice.event === "preempt" && notice.messageId && notice.conversationId) {
      const newer = notice.messageId;
      void api(options.url, `/api/conversations/${notice.conversationId}/messages/${newer}`, { token: agent.token }).then((res) => {
        if (res.status === 200) answer(res.body as Message);
      });
    }
  }

  socket.on("control:received", (notice: ControlNotice) => onControl("socket", notice));
  options.hub.listen((event) => {
    if (event.type === "message.control") {
      if (event.target === agent.id) onControl("webhook", event.data);
      return;
    }
    turns.push(event);
    const { respondent, message } = event.data;
    if (respondent?.principalId === agent.id && message.sender.principalType !== "agent" && message.contentType !== "event") answer(message);
  });

  return {
    agent,
    socket,
    replies,
    controls,
    /** message.new events the webhook brought (every target). */
    turns,
    answer,
    /** The reply to `messageId`, once it exists. */
    async replyTo(messageId: string, timeoutMs = 10_000): Promise<StandInReply> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reply = replies.find((r) => r.replyTo === messageId);
        if (reply) return reply;
        if (Date.now() > deadline) throw new Error(`${agent.id} never answered ${messageId}`);
        await sleep(20);
      }
    },
    close() {
      for (const r of replies) r.stopped = true;
      socket.disconnect();
    },
  };
}

/** A stand-in assistant (see {@link startStandIn}). */
export type StandIn = Awaited<ReturnType<typeof startStandIn>>;
