import { randomUUID } from "node:crypto";
import { currentContext, newSpanId, newTraceId, runWithContext } from "@symbia/http";
import { AppError, type ErrorCode } from "@symbia/sys";
import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import { Boundary, DataClass, createEnvelope, type ActingPrincipal, type SignedEnvelope } from "../envelope.js";
import { EntityId, EventId, EventType, NodeId, OrgId, RunId, TraceId, JsonValue } from "../ids.js";
import { decodeNodeKey } from "../keys.js";
import { ReplayCache, type ReplayCacheOptions } from "../replay.js";
import { signEnvelope } from "../signing.js";
import { verifyEnvelope, type VerifyFailureReason } from "../verify.js";
import { EventVerdict } from "../wire/ingress.js";
import { NodeRegistered, type EntityBinding, type NodeType, type RegisterNodeBody } from "../wire/nodes.js";
import { resolveHandler, type RelayHandler } from "./handlers.js";
import { Outbox } from "./outbox.js";

/** Something that yields a current identity access token for the node's principal (`@symbia/id` `TokenSource`). */
export interface RelayCredentials {
  /** Called at every (re)connection: the token goes in the Socket.IO handshake (`auth.token`). */
  getToken(): Promise<string>;
}

/** The logging the client does (a pino logger fits). Default: none. */
export interface RelayLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Options of {@link connectRelay}. */
export interface ConnectRelayOptions {
  /** The network's base URL (`http://127.0.0.1:5054`; services use `config.serviceUrls.network`). */
  networkUrl: string;
  /**
   * The node id: the principal's own id for `service` (`service:<id>`), `assistant` (the agent id)
   * and `client` (the user id); `sandbox:<owner principal id>:<name>` and
   * `bridge:<owner principal id>:<name>` for nodes a service or agent runs (network README).
   */
  nodeId: string;
  type: NodeType;
  credentials: RelayCredentials;
  /**
   * The org the node works in, sent in the handshake: chooses among a user's orgs for a client node.
   * Service nodes serve every org and give `orgId` per event instead.
   */
  orgId?: string;
  name?: string;
  /** What the node offers, for discovery (free text such as `llm.invoke`). */
  capabilities?: string[];
  /** Where the network POSTs signed envelopes when this node's socket is not connected. */
  endpoint?: string;
  metadata?: Record<string, JsonValue>;
  /** By event type: exact (`message.new`), `prefix.*` or `*`; the most specific wins. */
  handlers?: Record<string, RelayHandler<any>>;
  /** Bounded outbox while disconnected (default 1,000 events; the oldest is dropped when full). */
  outbox?: { maxEvents?: number };
  /** Reconnection backoff: from `initialDelayMs` (500) doubling to `maxDelayMs` (30,000), ± `jitter` (0.2). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: number };
  /** Longest wait for the network's answer to register, heartbeat or send (default 30,000 ms). */
  ackTimeoutMs?: number;
  /** Replay cache of received events (dedupe by event id). */
  replayCache?: ReplayCacheOptions;
  logger?: RelayLogger;
  /** Connect now (default true). `@symbia/http`'s `relay` option wants `false`: the server starts it after listen. */
  autoStart?: boolean;
}

/** Options of {@link RelayClient.emit}. */
export interface EmitOptions {
  /** A node id or an entity id (`ent_…`); absent → fan-out along contracts. */
  target?: string;
  /** Default: a new run id `run_<uuid>`. */
  runId?: string;
  /** Default: the current request's trace id (`@symbia/http` context), else a new one. */
  traceId?: string;
  /** Default `intra`. */
  boundary?: Boundary;
  causedBy?: string;
  /** Who the event acts for; default the node's own principal. Only service nodes may name another. */
  principal?: ActingPrincipal;
  dataClass?: DataClass;
  /** The tenant; default the current request's org, else the node's org. Service nodes (org-less) need one of these. */
  orgId?: string;
}

/** What {@link RelayClient.emit} resolves to. */
export type EmitResult =
  | ({ queued: false } & EventVerdict)
  | { eventId: string; queued: true };

/** Counters and state of a {@link RelayClient}. */
export interface RelayStatus {
  nodeId: string;
  connected: boolean;
  registered: boolean;
  outbox: { size: number; dropped: number; maxEvents: number };
  /** Events handed to the network (acknowledged). */
  sent: number;
  /** Verified events received. */
  received: number;
  /** Received again (same source and id): acknowledged, not handled twice. */
  duplicates: number;
  /** Verified but no handler for the type. */
  unhandled: number;
  /** `data` failed the handler's schema. */
  invalid: number;
  handlerErrors: number;
  /** Received envelopes that failed verification, by reason (duplicates are counted apart). */
  rejected: Partial<Record<VerifyFailureReason, number>>;
  /** Registrations after the first (reconnects). */
  reregistrations: number;
  lastError: string | null;
}

/** The answer a delivery gets (the `event:deliver` ack, or what an HTTP endpoint should send back). */
export type DeliveryAck = { ok: true; data: { handled: boolean; duplicate?: boolean } } | { ok: false; error: { code: string; message: string; details?: unknown } };

/** A node of the network. */
export interface RelayClient {
  /** Starts connecting (once; `autoStart` does it at creation). */
  start(): void;
  /**
   * Resolves once registered (a new promise after each disconnection, resolved by the next
   * registration); rejects when the network refuses the registration (wrong id, bad payload) or
   * the client is closed.
   */
  ready(): Promise<NodeRegistered>;
  /**
   * Signs and sends an event; resolves with the network's verdict, or `{queued: true}` while
   * disconnected (the event waits in the outbox and is signed when it is finally sent).
   * @throws ZodError for invalid fields; AppError from the network (`forbidden`...) or `timeout`.
   */
  emit(type: string, data: unknown, options?: EmitOptions): Promise<EmitResult>;
  /** Binds an entity to this node (`entity:bind`). @throws AppError `unavailable` when not registered. */
  bind(entityId: string): Promise<EntityBinding>;
  /** Unbinds an entity this node holds. */
  unbind(entityId: string): Promise<void>;
  /**
   * Handles an envelope that reached the node's HTTP `endpoint` (the network's fallback when the
   * socket is down): verified, deduplicated and dispatched as socket deliveries are. Answer the
   * POST with 200 when `ok`, else 4xx.
   */
  receive(envelope: unknown): Promise<DeliveryAck>;
  status(): RelayStatus;
  /** Leaves the network: closes the socket and stops every timer. Queued events are discarded. */
  close(): Promise<void>;
}

interface PendingEvent {
  seq: number;
  id: string;
  type: string;
  data: unknown;
  target?: string;
  runId: string;
  traceId: string;
  boundary: Boundary;
  causedBy?: string;
  principal?: ActingPrincipal;
  dataClass?: DataClass;
  orgId?: string;
}

interface Flight {
  pending: PendingEvent;
  settled: boolean;
  resolve(result: EmitResult): void;
  reject(error: unknown): void;
}

const EmitFields = z.object({
  type: EventType,
  target: z.union([NodeId, EntityId]).optional(),
  runId: RunId,
  traceId: TraceId,
  boundary: Boundary,
  causedBy: EventId.optional(),
  dataClass: DataClass.optional(),
  orgId: OrgId.optional(),
  data: JsonValue,
});

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
    const context = currentContext();
    const fields = EmitFields.parse({
      type,
      data,
      target: options.target,
      runId: options.runId ?? `run_${randomUUID()}`,
      traceId: options.traceId ?? context?.traceId ?? newTraceId(),
      boundary: options.boundary ?? "intra",
      causedBy: options.causedBy,
      dataClass: options.dataClass,
      orgId: options.orgId ?? context?.orgId,
    });
    const pending: PendingEvent = {
      seq: ++this.seq,
      id: `evt_${randomUUID()}`,
      type: fields.type,
      data: fields.data,
      runId: fields.runId,
      traceId: fields.traceId,
      boundary: fields.boundary,
      ...(fields.target === undefined ? {} : { target: fields.target }),
      ...(fields.causedBy === undefined ? {} : { causedBy: fields.causedBy }),
      ...(fields.dataClass === undefined ? {} : { dataClass: fields.dataClass }),
      ...(fields.orgId === undefined ? {} : { orgId: fields.orgId }),
      ...(options.principal ? { principal: options.principal } : {}),
    };
    if (!this.isLive()) return this.enqueue(pending);
    return this.send(pending);
  }

  async bind(entityId: string): Promise<EntityBinding> {
    return (await this.call("entity:bind", { entityId })) as EntityBinding;
  }

  async unbind(entityId: string): Promise<void> {
    await this.call("entity:unbind", { entityId });
  }

  async receive(input: unknown): Promise<DeliveryAck> {
    if (!this.key || !this.registration) return { ok: false, error: { code: "unavailable", message: "node not registered yet" } };
    const result = verifyEnvelope(input, { key: this.key, replayCache: this.replays, maxAgeMs: this.registration.maxAgeMs, maxFutureMs: this.registration.maxFutureMs });
    if (!result.ok) {
      if (result.reason === "replayed") {
        this.counters.duplicates += 1;
        return { ok: true, data: { handled: false, duplicate: true } };
      }
      this.rejected[result.reason] = (this.rejected[result.reason] ?? 0) + 1;
      this.logger.warn({ reason: result.reason, eventId: result.eventId, source: result.source }, "relay: refused a delivered event");
      return { ok: false, error: { code: "unauthenticated", message: `event refused: ${result.reason}` } };
    }
    const envelope = result.envelope;
    this.counters.received += 1;
    const handler = resolveHandler(this.options.handlers ?? {}, envelope.type);
    if (!handler) {
      this.counters.unhandled += 1;
      return { ok: true, data: { handled: false } };
    }
    const parsed = handler.schema.safeParse(envelope.data);
    if (!parsed.success) {
      this.counters.invalid += 1;
      const issues = parsed.error.issues.map((i) => ({ path: ["data", ...i.path].join("."), message: i.message }));
      return { ok: false, error: { code: "validation_failed", message: `data of ${envelope.type} is invalid`, details: { issues } } };
    }
    try {
      // Handlers run in the event's trace, so their logs and the events they emit carry its trace id.
      await runWithContext({ requestId: newSpanId(), traceId: envelope.traceId, spanId: newSpanId(), orgId: envelope.orgId }, () =>
        handler.handle({ ...envelope, data: parsed.data }, { client: this }),
      );
      return { ok: true, data: { handled: true } };
    } catch (error) {
      this.counters.handlerErrors += 1;
      this.logger.error({ err: error, eventId: envelope.id, type: envelope.type }, "relay: handler failed");
      return { ok: false, error: { code: "internal", message: "the handler failed" } };
    }
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
    const registration = this.registration!;
    const orgId = pending.orgId ?? registration.node.orgId ?? this.options.orgId;
    if (!orgId) throw new AppError("validation_failed", "orgId is required: this node serves every org, so each event must name one (emit option orgId, or a request context)");
    const envelope = createEnvelope({
      id: pending.id,
      type: pending.type,
      source: this.options.nodeId,
      runId: pending.runId,
      traceId: pending.traceId,
      orgId,
      boundary: pending.boundary,
      principal: pending.principal ?? registration.node.principal,
      data: pending.data as JsonValue,
      ...(pending.target === undefined ? {} : { target: pending.target }),
      ...(pending.causedBy === undefined ? {} : { causedBy: pending.causedBy }),
      ...(pending.dataClass === undefined ? {} : { dataClass: pending.dataClass }),
    });
    // Signed when sent, not when emitted: a queued event's timestamp stays inside the window.
    return signEnvelope(envelope, this.key!);
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
