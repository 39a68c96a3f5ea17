import type { ActingPrincipal, Boundary, DataClass } from "../envelope.js";
import type { ReplayCacheOptions } from "../replay.js";
import type { VerifyFailureReason } from "../verify.js";
import type { EventVerdict } from "../wire/ingress.js";
import type { EntityBinding, NodeRegistered, NodeType } from "../wire/nodes.js";
import type { JsonValue } from "../ids.js";
import type { RelayHandler } from "./handlers.js";

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
