import type { IncomingMessage, ServerResponse } from "node:http";
import type { LogRecord } from "@symbia/logging-client";
import type { Logger } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { createSession, type Session } from "better-sse";
import type { ReadScope } from "../access.js";
import { matchesLog, type LogFilter } from "../logs/logs.filter.js";

/** Options of {@link TailHub}. */
export interface TailHubOptions {
  /** Bytes of serialized events held for one client that is not reading; past it the client is dropped. */
  maxBufferBytes: number;
  maxClients: number;
  keepAliveMs: number;
  logger: Logger;
  /** Told when a client connects, leaves or is dropped (metrics). */
  onChange?: (event: "connected" | "disconnected" | "dropped", clients: number) => void;
}

interface Client {
  session: Session;
  res: ServerResponse;
  scope: ReadScope;
  filter: LogFilter;
  /** Serialized events waiting for the socket to drain: the bounded per-client buffer. */
  pending: { id: string; json: string }[];
  pendingBytes: number;
  delivered: number;
  dropped: boolean;
}

/**
 * Live tail of log lines over Server-Sent Events (better-sse). Each new stored line is pushed to
 * every connected client whose scope and filters it matches, as an event `log` whose id is the
 * line's id. Writes respect the socket's backpressure: while a client's socket cannot take more,
 * its events wait in a per-client buffer of at most `maxBufferBytes`; a client whose buffer
 * overflows gets a final `dropped` event and is disconnected, so a reader that stalls never grows
 * the server's memory.
 */
export class TailHub {
  private readonly clients = new Set<Client>();

  constructor(private readonly options: TailHubOptions) {}

  /** Connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * Opens the event stream on `res` (status 200, `text/event-stream`) and keeps it until the client
   * leaves, is dropped, or the hub closes. Sends `ready` first.
   *
   * @throws AppError `unavailable` when `maxClients` are connected already.
   */
  async subscribe(req: IncomingMessage, res: ServerResponse, scope: ReadScope, filter: LogFilter): Promise<void> {
    if (this.clients.size >= this.options.maxClients) throw new AppError("unavailable", "too many live-tail clients; try again later", undefined, { retryAfterSeconds: 5 });
    // Events are serialized once, here; the session writes the string as it is.
    const session = await createSession(req, res, { keepAlive: this.options.keepAliveMs, retry: 2_000, serializer: (data) => (typeof data === "string" ? data : JSON.stringify(data)) });
    const client: Client = { session, res, scope, filter, pending: [], pendingBytes: 0, delivered: 0, dropped: false };
    this.clients.add(client);
    this.options.onChange?.("connected", this.clients.size);
    res.on("drain", () => this.flush(client));
    session.once("disconnected", () => {
      if (this.clients.delete(client)) this.options.onChange?.("disconnected", this.clients.size);
    });
    session.push(JSON.stringify({ filter, maxBufferBytes: this.options.maxBufferBytes }), "ready");
  }

  /** Offers newly stored lines to every matching client. */
  publish(records: readonly LogRecord[]): void {
    if (this.clients.size === 0) return;
    const serialized = new Map<LogRecord, string>();
    const json = (record: LogRecord) => serialized.get(record) ?? serialized.set(record, JSON.stringify(record)).get(record)!;
    for (const client of this.clients) {
      if (client.dropped) continue;
      try {
        for (const record of records) {
          if (!matchesLog(client.scope, client.filter, record)) continue;
          this.send(client, record.id, json(record));
          if (client.dropped) break;
        }
      } catch (error) {
        // A connection that closed between two events: forget it; the others still get theirs.
        this.clients.delete(client);
        this.options.onChange?.("disconnected", this.clients.size);
        this.options.logger.debug({ err: (error as Error).message }, "live-tail client gone");
      }
    }
  }

  /** Ends every stream (shutdown). */
  close(): void {
    for (const client of this.clients) {
      client.res.end();
    }
    this.clients.clear();
  }

  private send(client: Client, id: string, json: string) {
    if (client.pending.length === 0 && !client.res.writableNeedDrain) {
      client.session.push(json, "log", id);
      client.delivered++;
      return;
    }
    client.pending.push({ id, json });
    client.pendingBytes += json.length;
    if (client.pendingBytes > this.options.maxBufferBytes) this.drop(client);
  }

  private flush(client: Client) {
    while (client.pending.length > 0 && !client.res.writableNeedDrain && !client.dropped) {
      const next = client.pending.shift()!;
      client.pendingBytes -= next.json.length;
      client.session.push(next.json, "log", next.id);
      client.delivered++;
    }
  }

  private drop(client: Client) {
    client.dropped = true;
    const discarded = client.pending.length;
    client.pending = [];
    client.pendingBytes = 0;
    this.clients.delete(client);
    this.options.onChange?.("dropped", this.clients.size);
    this.options.logger.warn({ principalId: client.scope.principalId, orgId: client.scope.orgId, delivered: client.delivered, discarded }, "live-tail client too slow; dropped");
    // The notice is the last event; the stream then ends. If the client never reads again, the
    // socket is destroyed so the bytes already written do not stay held either.
    if (client.session.isConnected) {
      client.session.push(JSON.stringify({ reason: "slow_client", message: "the client did not keep up with the stream and was disconnected", delivered: client.delivered, discarded, maxBufferBytes: this.options.maxBufferBytes }), "dropped");
    }
    client.res.end();
    const timer = setTimeout(() => client.res.destroy(), 5_000);
    timer.unref();
    client.res.once("close", () => clearTimeout(timer));
  }
}
