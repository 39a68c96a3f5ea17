import type { PrincipalRef, Priority, StreamState } from "@symbia/messaging-client";
import { AppError } from "@symbia/sys";

/** A streamed reply in progress on this instance. */
export interface ActiveStream {
  messageId: string;
  conversationId: string;
  orgId: string;
  conversationType: "private" | "group" | "website";
  sender: PrincipalRef;
  replyTo: string | null;
  metadata: Record<string, unknown>;
  priority: Priority;
  contentType: "text" | "markdown" | "json";
  startedAt: Date;
  state: "streaming" | "paused";
  /** The next chunk index expected from the producer. */
  nextIndex: number;
  /** Chunks that arrived before their turn, by index. */
  early: Map<number, string>;
  /** Chunks accepted while paused, in order, waiting for resume. */
  held: { index: number; delta: string }[];
  /** Deltas delivered to clients, in index order. */
  delivered: string[];
  /**
   * Set when the producer ended the stream but it cannot be stored yet: chunks are held (paused),
   * or `expected` chunks were announced and some are still on their way.
   */
  ending: { metadata?: Record<string, unknown>; expected?: number } | null;
  /** Set once the stream is being persisted: nothing else may touch it. */
  finishing: boolean;
  idleTimer?: NodeJS.Timeout;
  pauseTimer?: NodeJS.Timeout;
}

/** What accepting a chunk did. `deliver` lists the chunks to broadcast now, in order. */
export interface ChunkOutcome {
  outcome: "delivered" | "held" | "queued" | "duplicate";
  deliver: { index: number; delta: string }[];
}

/** Largest number of early (out-of-order) chunks kept per stream. */
export const MAX_EARLY_CHUNKS = 1_000;

/**
 * The streamed replies running on this instance and their state machine (streaming ⇄ paused →
 * finished). Pure bookkeeping: broadcasting and persistence are the service's.
 */
export class StreamRegistry {
  private readonly streams = new Map<string, ActiveStream>();

  constructor(private readonly limits: { maxHeldChunks: number }) {}

  /** Registers a new stream. @throws AppError `conflict` when the id is already streaming. */
  add(stream: Omit<ActiveStream, "state" | "nextIndex" | "early" | "held" | "delivered" | "ending" | "finishing">): ActiveStream {
    if (this.streams.has(stream.messageId)) throw new AppError("conflict", "a stream with this message id is already running");
    const active: ActiveStream = { ...stream, state: "streaming", nextIndex: 0, early: new Map(), held: [], delivered: [], ending: null, finishing: false };
    this.streams.set(stream.messageId, active);
    return active;
  }

  get(messageId: string): ActiveStream | undefined {
    return this.streams.get(messageId);
  }

  /** The streams of a conversation that are not being finished. */
  ofConversation(orgId: string, conversationId: string): ActiveStream[] {
    return [...this.streams.values()].filter((s) => s.orgId === orgId && s.conversationId === conversationId && !s.finishing);
  }

  /** Every stream (shutdown). */
  all(): ActiveStream[] {
    return [...this.streams.values()];
  }

  /** Forgets a stream (after it was persisted or abandoned). */
  remove(messageId: string): void {
    const s = this.streams.get(messageId);
    if (!s) return;
    clearTimeout(s.idleTimer);
    clearTimeout(s.pauseTimer);
    this.streams.delete(messageId);
  }

  /**
   * Accepts chunk `index` from the producer. Chunks are taken in index order: a repeated index is
   * a duplicate, a later one waits in `early` for the ones before it. Accepted chunks are
   * delivered, or held while the stream is paused.
   *
   * @throws AppError `conflict` when the stream is finishing or already ended by the producer;
   * `rate_limited` when too many chunks wait (held while paused, or early).
   */
  acceptChunk(stream: ActiveStream, index: number, delta: string): ChunkOutcome {
    if (stream.finishing) throw new AppError("conflict", "this stream has ended");
    if (stream.ending && (stream.ending.expected === undefined || index >= stream.ending.expected)) throw new AppError("conflict", "this stream has ended");
    if (index < stream.nextIndex || stream.early.has(index)) return { outcome: "duplicate", deliver: [] };
    if (index > stream.nextIndex) {
      if (stream.early.size >= MAX_EARLY_CHUNKS) throw new AppError("rate_limited", "too many chunks ahead of the missing ones", { expectedIndex: stream.nextIndex });
      stream.early.set(index, delta);
      return { outcome: "queued", deliver: [] };
    }
    const accepted: { index: number; delta: string }[] = [{ index, delta }];
    stream.nextIndex++;
    for (let next = stream.early.get(stream.nextIndex); next !== undefined; next = stream.early.get(stream.nextIndex)) {
      stream.early.delete(stream.nextIndex);
      accepted.push({ index: stream.nextIndex, delta: next });
      stream.nextIndex++;
    }
    if (stream.state === "paused") {
      if (stream.held.length + accepted.length > this.limits.maxHeldChunks) {
        // Give the indexes back so the producer can retry after resume.
        stream.nextIndex -= accepted.length;
        for (const chunk of accepted.slice(1)) stream.early.set(chunk.index, chunk.delta);
        throw new AppError("rate_limited", "the reply is paused and its buffer is full; retry after resume", { held: stream.held.length });
      }
      stream.held.push(...accepted);
      return { outcome: "held", deliver: [] };
    }
    for (const chunk of accepted) stream.delivered.push(chunk.delta);
    return { outcome: "delivered", deliver: accepted };
  }

  /** True when the producer ended the stream and every announced chunk has arrived. */
  complete(stream: ActiveStream): boolean {
    return stream.ending !== null && stream.early.size === 0 && (stream.ending.expected === undefined || stream.nextIndex >= stream.ending.expected);
  }

  /** Pauses a streaming reply; false when it was already paused. */
  pause(stream: ActiveStream): boolean {
    if (stream.state === "paused") return false;
    stream.state = "paused";
    return true;
  }

  /** Resumes a paused reply: returns the held chunks to deliver now, in order. */
  resume(stream: ActiveStream): { index: number; delta: string }[] | null {
    if (stream.state !== "paused") return null;
    stream.state = "streaming";
    const held = stream.held;
    stream.held = [];
    for (const chunk of held) stream.delivered.push(chunk.delta);
    return held;
  }

  /** The stream as clients see it. */
  view(stream: ActiveStream, state: StreamState["state"] = stream.state): StreamState {
    return {
      messageId: stream.messageId,
      conversationId: stream.conversationId,
      sender: stream.sender,
      replyTo: stream.replyTo,
      state,
      delivered: stream.delivered.length,
      held: stream.held.length,
      startedAt: stream.startedAt.toISOString(),
      content: stream.delivered.join(""),
    };
  }
}
