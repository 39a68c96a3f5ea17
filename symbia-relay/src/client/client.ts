import { AppError, type ErrorCode } from "@symbia/sys";
import { io, type Socket } from "socket.io-client";
import type { SignedEnvelope } from "../envelope.js";
import { NodeId } from "../ids.js";
import { decodeNodeKey } from "../keys.js";
import { ReplayCache } from "../replay.js";
import type { VerifyFailureReason } from "../verify.js";
import { EventVerdict } from "../wire/ingress.js";
import { NodeRegistered, type EntityBinding, type RegisterNodeBody } from "../wire/nodes.js";
import { handleDelivery } from "./deliveries.js";
import { Outbox } from "./outbox.js";
import { pendingEvent, signPending, type PendingEvent } from "./pending.js";
import type { ConnectRelayOptions, DeliveryAck, EmitOptions, EmitResult, RelayClient, RelayLogger, RelayStatus } from "./types.js";

export type { ConnectRelayOptions, DeliveryAck, EmitOptions, EmitResult, RelayClient, RelayCredentials, RelayLogger, RelayStatus } from "./types.js";

interface Flight {
  pending: PendingEvent;
  settled: boolean;
  resolve(result: EmitResult): void;
  reject(error: unknown): void;
}

// Refusals that retrying cannot fix: the client stops and ready() rejects.
const PERMANENT: ReadonlySet<string> = new Set(["forbidden", "validation_failed", "conflict", "bad_request"]);

const silent: RelayLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Joins the network as a node over Socket.IO: registers with an identity token, receives its HMAC
 * key in the registration ack, heartbeats, signs what it emits, verifies what it receives (the
 * network re-signs deliveries with this node's key), deduplicates by event id, dispatches to typed
 * handlers validated with zod, keeps a bounded outbox while disconnected, and reconnects with
 * exponential backoff (a fresh token and a new registration each time, then the outbox).
 *
 * @example
 * const relay = connectRelay({ networkUrl, nodeId: "service:messaging", type: "service", credentials: session,
 *   handlers: { "assistant.reply": defineHandler(Reply, async (event) => { ... }) } });
 * await relay.ready();
 * await relay.emit("message.new", { conversationId }, { orgId, principal });
 */
export function connectRelay(options: ConnectRelayOptions): RelayClient {
  const client = new NodeClient(options);
  if (options.autoStart !== false) client.start();
  return client;
}

class NodeClient implements RelayClient {
  private socket: Socket | undefined;
  private started = false;
  private closed = false;
  private registration: NodeRegistered | undefined;
  private key: Buffer | undefined;
  private registered = false;
  private readonly outbox: Outbox<PendingEvent>;
  private readonly inflight = new Map<string, Flight>();
  private readonly replays: ReplayCache;
  private readonly logger: RelayLogger;
  private readonly ackTimeoutMs: number;
  private readonly backoff: { initialDelayMs: number; maxDelayMs: number; jitter: number };
  private heartbeat: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private registrations = 0;
  private seq = 0;
  private waiting!: { promise: Promise<NodeRegistered>; resolve(value: NodeRegistered): void; reject(error: unknown): void; settled: boolean };
  private readonly counters = { sent: 0, received: 0, duplicates: 0, unhandled: 0, invalid: 0, handlerErrors: 0 };
  private readonly rejected: Partial<Record<VerifyFailureReason, number>> = {};
  private lastError: string | null = null;

  constructor(private readonly options: ConnectRelayOptions) {
    NodeId.parse(options.nodeId);
    this.outbox = new Outbox(options.outbox?.maxEvents ?? 1_000);
    this.replays = new ReplayCache(options.replayCache);
    this.logger = options.logger ?? silent;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.backoff = { initialDelayMs: options.reconnect?.initialDelayMs ?? 500, maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000, jitter: options.reconnect?.jitter ?? 0.2 };
    this.newWaiting();
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const socket = io(this.options.networkUrl, {
      transports: ["websocket"],
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: this.backoff.initialDelayMs,
      reconnectionDelayMax: this.backoff.maxDelayMs,
      randomizationFactor: this.backoff.jitter,
      // Called before every connection attempt: each reconnection carries a fresh token.
      auth: (cb) => {
        this.options.credentials.getToken().then(
          (token) => cb({ token, ...(this.options.orgId ? { orgId: this.options.orgId } : {}) }),
          (error: unknown) => {
            this.lastError = `credentials: ${(error as Error).message}`;
            this.logger.warn({ err: (error as Error).message, nodeId: this.options.nodeId }, "relay: no token for the network");
            cb({});
          },
        );
      },
    });
    this.socket = socket;
    socket.on("connect", () => void this.register());
    socket.on("disconnect", (reason) => this.onDisconnect(reason));
    socket.on("connect_error", (error: Error & { data?: { code?: string; message?: string } }) => {
      this.lastError = `connect: ${error.message}`;
      this.logger.debug({ err: error.message, nodeId: this.options.nodeId }, "relay: cannot connect to the network");
      // A refusal by the server's middleware (bad or expired token) is not retried by Socket.IO.
      if (!socket.active) this.scheduleReconnect();
    });
    socket.on("event:deliver", (envelope: unknown, ack?: (result: DeliveryAck) => void) => {
      void this.receive(envelope).then((result) => (typeof ack === "function" ? ack(result) : undefined));
    });
    socket.connect();
  }

  ready(): Promise<NodeRegistered> {
    return this.waiting.promise;
  }

  async emit(type: string, data: unknown, options: EmitOptions = {}): Promise<EmitResult> {
    if (this.closed) throw new AppError("unavailable", "relay client is closed");
    const pending = pendingEvent(++this.seq, type, data, options);
    if (!this.isLive()) return this.enqueue(pending);
    return this.send(pending);
  }

  async bind(entityId: string): Promise<EntityBinding> {
    return (await this.call("entity:bind", { entityId })) as EntityBinding;
  }

  async unbind(entityId: string): Promise<void> {
    await this.call("entity:unbind", { entityId });
  }

  receive(input: unknown): Promise<DeliveryAck> {
    if (!this.key || !this.registration) return Promise.resolve({ ok: false, error: { code: "unavailable", message: "node not registered yet" } });
    return handleDelivery(input, {
      key: this.key,
      registration: this.registration,
      replays: this.replays,
      handlers: this.options.handlers ?? {},
      counters: this.counters,
      rejected: this.rejected,
      logger: this.logger,
      client: this,
    });
  }

  status(): RelayStatus {
    return {
      nodeId: this.options.nodeId,
      connected: this.socket?.connected ?? false,
      registered: this.registered,
      outbox: { size: this.outbox.size, dropped: this.outbox.dropped, maxEvents: this.outbox.maxEvents },
      ...this.counters,
      rejected: { ...this.rejected },
      reregistrations: Math.max(0, this.registrations - 1),
      lastError: this.lastError,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    this.registered = false;
    for (const flight of this.inflight.values()) {
      if (flight.settled) continue;
      flight.settled = true;
      flight.reject(new AppError("unavailable", "relay client closed"));
    }
    this.inflight.clear();
    if (!this.waiting.settled) this.settleWaiting(new AppError("unavailable", "relay client closed"));
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
  }

  // --- connection life ---------------------------------------------------------------------

  private isLive(): boolean {
    return this.registered && this.socket?.connected === true;
  }

  private async register(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closed) return;
    const body: RegisterNodeBody = {
      nodeId: this.options.nodeId,
      type: this.options.type,
      ...(this.options.name ? { name: this.options.name } : {}),
      capabilities: this.options.capabilities ?? [],
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.metadata ? { metadata: this.options.metadata } : {}),
    };
    let ack: { ok: boolean; data?: unknown; error?: { code: string; message: string } };
    try {
      ack = await socket.timeout(this.ackTimeoutMs).emitWithAck("node:register", body);
    } catch {
      this.lastError = "register: no answer from the network";
      socket.disconnect();
      this.scheduleReconnect();
      return;
    }
    if (this.closed || socket !== this.socket) return;
    if (!ack.ok) {
      const code = ack.error?.code ?? "internal";
      this.lastError = `register: ${code}: ${ack.error?.message ?? ""}`;
      this.logger.error({ code, message: ack.error?.message, nodeId: this.options.nodeId }, "relay: registration refused");
      if (PERMANENT.has(code)) {
        this.settleWaiting(new AppError(code as ErrorCode, ack.error?.message ?? "registration refused"));
        await this.close();
        return;
      }
      socket.disconnect();
      this.scheduleReconnect();
      return;
    }
    const registration = NodeRegistered.parse(ack.data);
    this.registration = registration;
    this.key = decodeNodeKey(registration.key);
    this.registered = true;
    this.registrations += 1;
    this.attempt = 0;
    this.lastError = null;
    this.startHeartbeat(registration.heartbeatIntervalMs);
    this.logger.info({ nodeId: this.options.nodeId, reregistration: this.registrations > 1, outbox: this.outbox.size }, "relay: registered with the network");
    this.settleWaiting(registration);
    this.flushOutbox();
  }

  private onDisconnect(reason: string): void {
    const wasRegistered = this.registered;
    this.registered = false;
    this.stopHeartbeat();
    // Socket.IO would replay emits buffered while disconnected; the outbox does that, once.
    if (this.socket) this.socket.sendBuffer = [];
    const stranded = [...this.inflight.values()].filter((f) => !f.settled).sort((a, b) => a.pending.seq - b.pending.seq);
    this.inflight.clear();
    this.outbox.requeue(stranded.map((f) => f.pending));
    for (const flight of stranded) {
      flight.settled = true;
      flight.resolve({ eventId: flight.pending.id, queued: true });
    }
    if (wasRegistered || this.waiting.settled) this.newWaiting();
    if (this.closed) return;
    this.logger.warn({ reason, nodeId: this.options.nodeId, outbox: this.outbox.size }, "relay: disconnected from the network");
    // The server closing the connection (restart, eviction) is not retried by Socket.IO itself.
    if (reason === "io server disconnect") this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const base = Math.min(this.backoff.maxDelayMs, this.backoff.initialDelayMs * 2 ** this.attempt);
    const delay = Math.max(0, Math.round(base * (1 + (Math.random() * 2 - 1) * this.backoff.jitter)));
    this.attempt = Math.min(this.attempt + 1, 30);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed && this.socket && !this.socket.connected) this.socket.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => void this.beat(), intervalMs);
    this.heartbeat.unref();
  }

  private async beat(): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected || !this.registered) return;
    try {
      const ack = await socket.timeout(this.ackTimeoutMs).emitWithAck("node:heartbeat", { outbox: this.outbox.size });
      // The network removed the node (it missed heartbeats): register again on this socket.
      if (!ack.ok && ack.error?.code === "not_found") {
        this.registered = false;
        this.newWaiting();
        await this.register();
      }
    } catch {
      this.lastError = "heartbeat: no answer from the network";
    }
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private stopTimers(): void {
    this.stopHeartbeat();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private newWaiting(): void {
    let resolve!: (value: NodeRegistered) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<NodeRegistered>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting: an unobserved rejection must not crash the process.
    promise.catch(() => undefined);
    this.waiting = { promise, resolve, reject, settled: false };
  }

  private settleWaiting(outcome: NodeRegistered | Error): void {
    if (this.waiting.settled) this.newWaiting();
    this.waiting.settled = true;
    if (outcome instanceof Error) this.waiting.reject(outcome);
    else this.waiting.resolve(outcome);
  }

  // --- sending ------------------------------------------------------------------------------

  private enqueue(pending: PendingEvent): EmitResult {
    const dropped = this.outbox.push(pending);
    if (dropped) this.logger.warn({ eventId: dropped.id, type: dropped.type, dropped: this.outbox.dropped }, "relay: outbox full, dropped the oldest event");
    return { eventId: pending.id, queued: true };
  }

  private flushOutbox(): void {
    while (this.isLive() && this.outbox.size > 0) {
      const pending = this.outbox.shift()!;
      void this.send(pending).then(
        (result) => {
          if (!result.queued && result.status !== "delivered") this.logger.warn({ eventId: result.eventId, status: result.status, reasonCode: result.reasonCode }, "relay: queued event not delivered");
        },
        (error: unknown) => this.logger.warn({ err: (error as Error).message, eventId: pending.id }, "relay: queued event refused"),
      );
    }
  }

  private sign(pending: PendingEvent): SignedEnvelope {
    return signPending(pending, { nodeId: this.options.nodeId, registration: this.registration!, key: this.key!, ...(this.options.orgId ? { orgId: this.options.orgId } : {}) });
  }

  private send(pending: PendingEvent): Promise<EmitResult> {
    return new Promise<EmitResult>((resolve, reject) => {
      let envelope: SignedEnvelope;
      try {
        envelope = this.sign(pending);
      } catch (error) {
        reject(error);
        return;
      }
      const flight: Flight = { pending, settled: false, resolve, reject };
      this.inflight.set(pending.id, flight);
      this.socket!.timeout(this.ackTimeoutMs).emit("event:send", envelope, (error: Error | null, ack: { ok: boolean; data?: unknown; error?: { code: string; message: string; details?: unknown } }) => {
        if (flight.settled) return;
        flight.settled = true;
        this.inflight.delete(pending.id);
        if (error) return reject(new AppError("timeout", `no answer from the network for ${pending.id} in ${this.ackTimeoutMs} ms`));
        if (!ack.ok) return reject(new AppError((ack.error?.code ?? "internal") as ErrorCode, ack.error?.message ?? "refused by the network", ack.error?.details));
        this.counters.sent += 1;
        resolve({ queued: false, ...EventVerdict.parse(ack.data) });
      });
    });
  }

  private async call(event: string, payload: unknown): Promise<unknown> {
    if (!this.isLive()) throw new AppError("unavailable", "not registered with the network");
    let ack: { ok: boolean; data?: unknown; error?: { code: string; message: string; details?: unknown } };
    try {
      ack = await this.socket!.timeout(this.ackTimeoutMs).emitWithAck(event, payload);
    } catch {
      throw new AppError("timeout", `no answer from the network to ${event}`);
    }
    if (!ack.ok) throw new AppError((ack.error?.code ?? "internal") as ErrorCode, ack.error?.message ?? `${event} refused`, ack.error?.details);
    return ack.data;
  }
}
