import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { MessagingError, type Credentials } from "./rest.js";
import type { Ack } from "./schemas/common.js";
import type { Conversation } from "./schemas/conversations.js";
import type { ControlBody, ControlNotice, ControlResult, StreamState } from "./schemas/control.js";
import type { ClientToServerEvents, ServerToClientEvents } from "./schemas/events.js";
import type { Message, SendMessageBody, SyncResult } from "./schemas/messages.js";
import type { PresenceEntry, PresenceStatus } from "./schemas/presence.js";
import type { ChunkResult, EndStreamResult, StartStreamBody, StreamChunkEvent } from "./schemas/streams.js";

/** Options of {@link connectMessaging}. */
export interface ConnectOptions {
  /** Messaging's base URL. */
  url: string;
  /** A token (or a function renewing it, called at every (re)connection) or an API key. */
  credentials: Credentials;
  /** The org to act in (handshake `auth.orgId`); default the principal's first. */
  orgId?: string;
  /** Ack timeout of requests, ms (default 15 000). */
  timeoutMs?: number;
  /** How long a gap in sequences may last before the missing messages are fetched, ms (default 300). */
  gapTimeoutMs?: number;
  /** Socket.IO options (reconnection delays, transports...). */
  io?: Partial<ManagerOptions & SocketOptions>;
}

/** Events of {@link MessagingSocket}. `message` fires once per message, in sequence order per conversation. */
export interface MessagingSocketEvents {
  message: [Message];
  chunk: [StreamChunkEvent];
  control: [ControlNotice];
  /** Emitted after a reconnection once every tracked conversation has caught up. */
  recovered: [{ conversations: number; messages: number }];
  error: [Error];
}

type Listener<A extends unknown[]> = (...args: A) => void;

/** A minimal typed event emitter (no Node built-ins, so the client runs in browsers too). */
class Emitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly listeners = new Map<keyof E, Set<Listener<never[]>>>();

  /** Adds a listener. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener<never[]>);
    return this;
  }

  /** Removes a listener. */
  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.listeners.get(event)?.delete(listener as unknown as Listener<never[]>);
    return this;
  }

  /** Calls every listener of `event`; true when there was one. */
  protected emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const set = this.listeners.get(event);
    if (!set?.size) return false;
    for (const l of [...set]) (l as unknown as Listener<E[K]>)(...args);
    return true;
  }
}

interface Track {
  last: number;
  pending: Map<number, Message>;
  syncing: boolean;
  gapTimer?: ReturnType<typeof setTimeout>;
}

/**
 * A Socket.IO connection to messaging with typed requests and ordered, exactly-once delivery of
 * messages per conversation. The client remembers the last sequence it delivered for each
 * conversation; out-of-order arrivals wait for the missing ones (fetched with `conversation:sync`
 * if they do not come within `gapTimeoutMs`), repeats are dropped, and after a reconnection it
 * asks for everything it missed before delivering anything newer.
 */
export class MessagingSocket extends Emitter<MessagingSocketEvents> {
  /** The underlying Socket.IO client (raw events: `stream:started`, `typing:started`, `presence:updated`...). */
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly tracks = new Map<string, Track>();
  private connectedOnce = false;

  constructor(private readonly options: ConnectOptions) {
    super();
    const credentials = options.credentials;
    this.socket = io(options.url, {
      transports: ["websocket"],
      ...options.io,
      // A function, so every reconnection presents a current token.
      auth: (cb) => {
        const give = (token: string) => cb({ token, ...(options.orgId ? { orgId: options.orgId } : {}) });
        if ("apiKey" in credentials) give(credentials.apiKey);
        else if (typeof credentials.token === "string") give(credentials.token);
        else credentials.token().then(give, (error: Error) => this.emit("error", error));
      },
    });
    this.socket.on("message:new", (m) => this.onLive(m));
    this.socket.on("message:stream", (c) => this.emit("chunk", c));
    this.socket.on("control:received", (n) => this.emit("control", n));
    this.socket.on("conversation:new", (c: Conversation) => this.track(c.id, 0));
    this.socket.on("connect", () => {
      if (this.connectedOnce) void this.recover();
      this.connectedOnce = true;
    });
  }

  /** Resolves once connected; rejects with the server's reason when the handshake is refused. */
  ready(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = () => {
        this.socket.off("connect_error", fail);
        resolve();
      };
      const fail = (error: Error & { data?: { code?: string; message?: string } }) => {
        this.socket.off("connect", ok);
        reject(new MessagingError(error.data?.code ?? "unavailable", error.data?.message ?? error.message, 0));
      };
      this.socket.once("connect", ok);
      this.socket.once("connect_error", fail);
    });
  }

  /**
   * Starts ordered delivery for a conversation from `lastSequence` (what the caller already has;
   * 0 for everything). Untracked conversations start at the first message seen.
   */
  track(conversationId: string, lastSequence: number): void {
    const t = this.tracks.get(conversationId);
    if (t) t.last = Math.max(t.last, lastSequence);
    else this.tracks.set(conversationId, { last: lastSequence, pending: new Map(), syncing: false });
  }

  /** The last sequence delivered per conversation. */
  positions(): Record<string, number> {
    return Object.fromEntries([...this.tracks].map(([id, t]) => [id, t.last]));
  }

  /** Sends a client event and resolves with its ack's data. @throws MessagingError for an error ack or a timeout. */
  async request<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
    let ack: Ack<T>;
    try {
      ack = (await (this.socket.timeout(this.options.timeoutMs ?? 15_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<T>> }).emitWithAck(event, payload)) as Ack<T>;
    } catch (error) {
      throw new MessagingError("timeout", `${event}: ${(error as Error).message}`, 0);
    }
    if (!ack.ok) throw new MessagingError(ack.error.code, ack.error.message, 0, ack.error.details);
    return ack.data;
  }

  /**
   * Sends a message. A `clientId` is generated when absent, so a send retried after a
   * reconnection (Socket.IO buffers it) is stored once.
   */
  send(conversationId: string, body: SendMessageBody): Promise<Message> {
    return this.request("message:send", { ...body, conversationId, clientId: body.clientId ?? globalThis.crypto.randomUUID() });
  }

  /** Applies a control event (pause, resume, cancel, preempt, route, handoff, priority). */
  control(conversationId: string, body: ControlBody): Promise<ControlResult> {
    return this.request("control:send", { ...body, conversationId });
  }

  /** Starts or stops the caller's typing indicator. */
  typing(conversationId: string, on: boolean): Promise<null> {
    return this.request(on ? "typing:start" : "typing:stop", { conversationId });
  }

  /** Sets this connection's presence. */
  setPresence(status: Exclude<PresenceStatus, "offline">): Promise<PresenceEntry> {
    return this.request("presence:set", { status });
  }

  /** Who of the org is connected. */
  presence(): Promise<PresenceEntry[]> {
    return this.request<{ items: PresenceEntry[] }>("presence:list", {}).then((r) => r.items);
  }

  /**
   * Streams a reply (agents): `write(delta)` sends the next chunk (indexes are kept for you),
   * `end()` stores the reply (`pending` while paused).
   */
  async streamReply(conversationId: string, body: StartStreamBody = {}) {
    const state = await this.request<StreamState>("stream:start", { ...body, conversationId });
    let index = 0;
    return {
      messageId: state.messageId,
      write: (delta: string) => this.request<ChunkResult>("stream:chunk", { messageId: state.messageId, index: index++, delta }),
      end: (metadata?: Record<string, unknown>) => this.request<EndStreamResult>("stream:end", { messageId: state.messageId, ...(metadata ? { metadata } : {}) }),
    };
  }

  /** Fetches what a conversation missed after its last delivered sequence, then delivers it in order. */
  async catchUp(conversationIds: readonly string[] = [...this.tracks.keys()]): Promise<number> {
    let delivered = 0;
    const ids = conversationIds.filter((id) => this.tracks.has(id));
    for (const id of ids) this.tracks.get(id)!.syncing = true;
    try {
      let remaining = ids;
      while (remaining.length) {
        const result = await this.request<SyncResult>("conversation:sync", { conversations: remaining.map((id) => ({ conversationId: id, afterSequence: this.tracks.get(id)!.last })) });
        const again: string[] = [];
        for (const item of result.items) {
          const t = this.tracks.get(item.conversationId)!;
          for (const m of item.messages) if (m.sequence > t.last) t.pending.set(m.sequence, m);
          delivered += this.drain(item.conversationId, t, false);
          if (item.hasMore) again.push(item.conversationId);
        }
        remaining = again;
      }
    } finally {
      for (const id of ids) {
        const t = this.tracks.get(id)!;
        t.syncing = false;
        delivered += this.drain(id, t, true);
      }
    }
    return delivered;
  }

  /** Closes the connection. */
  close(): void {
    for (const t of this.tracks.values()) clearTimeout(t.gapTimer);
    this.socket.disconnect();
  }

  private async recover(): Promise<void> {
    try {
      const messages = await this.catchUp();
      this.emit("recovered", { conversations: this.tracks.size, messages });
    } catch (error) {
      this.emit("error", error as Error);
    }
  }

  private onLive(message: Message): void {
    let t = this.tracks.get(message.conversationId);
    if (!t) {
      t = { last: message.sequence - 1, pending: new Map(), syncing: false };
      this.tracks.set(message.conversationId, t);
    }
    if (message.sequence <= t.last) return;
    t.pending.set(message.sequence, message);
    if (!t.syncing) this.drain(message.conversationId, t, true);
  }

  /** Delivers the contiguous run after `last`; with `watchGap`, a remaining gap is fetched after `gapTimeoutMs`. */
  private drain(conversationId: string, t: Track, watchGap: boolean): number {
    let n = 0;
    for (let next = t.pending.get(t.last + 1); next; next = t.pending.get(t.last + 1)) {
      t.pending.delete(next.sequence);
      t.last = next.sequence;
      n++;
      this.emit("message", next);
    }
    clearTimeout(t.gapTimer);
    if (watchGap && t.pending.size > 0) {
      t.gapTimer = setTimeout(() => void this.catchUp([conversationId]).catch((error: Error) => this.emit("error", error)), this.options.gapTimeoutMs ?? 300);
    }
    return n;
  }
}

/**
 * Connects to messaging over Socket.IO (token or API key in the handshake) and resolves once the
 * connection is accepted.
 *
 * @throws MessagingError when the handshake is refused (`unauthenticated`, `forbidden` for a foreign org).
 */
export async function connectMessaging(options: ConnectOptions): Promise<MessagingSocket> {
  const client = new MessagingSocket(options);
  try {
    await client.ready();
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}
