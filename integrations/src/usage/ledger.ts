import { sqlState, type Database } from "@symbia/db";
import type { Logger } from "@symbia/http";
import * as schema from "../db/schema.js";

/** One usage row as the gateway produces it. */
export type LedgerEntry = typeof schema.usageRecords.$inferInsert & { id: string; startedAt: Date };

/** Options of {@link LedgerWriter}. */
export interface LedgerWriterOptions {
  /** Records that may wait; beyond it new records are dropped and counted. */
  queueSize: number;
  /** Rows per insert. */
  batchSize: number;
  /** Longest a record waits before its batch is written, ms. */
  flushMs: number;
  /** Called with the number of records dropped (queue full, or refused by the database). */
  onDropped?: (n: number) => void;
  /** Called with the number of records written. */
  onWritten?: (n: number) => void;
}

/** SQLSTATE classes that mean the rows themselves are bad: retrying them can never succeed. */
const POISON = /^(22|23)/;

/**
 * Writes usage records to the ledger off the request path: `enqueue` never waits and never throws.
 * Records are inserted in batches (every `flushMs`, or as soon as a batch is full), in order. A
 * full queue drops the new record and counts it; a failing database keeps the queue and retries
 * with a growing delay (up to 30 s), except for rows the database rejects as invalid, which are
 * dropped and counted. `close()` writes what is left.
 */
export class LedgerWriter {
  private readonly queue: LedgerEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<boolean> | null = null;
  private failures = 0;
  private closed = false;
  private droppedCount = 0;

  constructor(
    private readonly database: Database<typeof schema>,
    private readonly options: LedgerWriterOptions,
    private readonly logger: Logger,
  ) {}

  /** Queues a record; false (and counted as dropped) when the queue is full. */
  enqueue(entry: LedgerEntry): boolean {
    if (this.queue.length >= this.options.queueSize) {
      this.drop(1, "usage ledger queue full: record dropped");
      return false;
    }
    this.queue.push(entry);
    if (this.queue.length >= this.options.batchSize && this.failures === 0 && this.timer) {
      // A full batch goes now rather than at the end of the flush interval.
      clearTimeout(this.timer);
      this.timer = null;
      this.kick(0);
    } else this.kick(this.options.flushMs);
    return true;
  }

  /** Records waiting to be written. */
  get depth(): number {
    return this.queue.length;
  }

  /** Records dropped since start. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Writes everything queued now; resolves false if the database failed meanwhile (records stay queued). */
  async flush(): Promise<boolean> {
    while (this.queue.length > 0) {
      if (!(await this.drain())) return false;
    }
    if (this.draining) return this.draining;
    return true;
  }

  /** Stops the timer and writes what is left (a failure is logged with the number of records lost). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!(await this.flush().catch(() => false)) && this.queue.length > 0) this.drop(this.queue.splice(0).length, "usage ledger closed with unwritten records");
  }

  private kick(delayMs: number): void {
    if (this.closed || this.timer || this.draining) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.drain();
    }, delayMs);
    this.timer.unref();
  }

  private drain(): Promise<boolean> {
    if (this.draining) return this.draining;
    if (this.queue.length === 0) return Promise.resolve(true);
    this.draining = (async () => {
      // Yield first: the body must never finish before `draining` is assigned (its finally clears it).
      await null;
      let ok = false;
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.slice(0, this.options.batchSize);
          try {
            await this.database.db.insert(schema.usageRecords).values(batch);
            this.queue.splice(0, batch.length);
            this.options.onWritten?.(batch.length);
            this.failures = 0;
          } catch (error) {
            const code = sqlState(error);
            if (code && POISON.test(code)) {
              this.queue.splice(0, batch.length);
              this.drop(batch.length, "usage ledger rows refused by the database: dropped");
              continue;
            }
            this.failures++;
            this.logger.error({ err: error, queued: this.queue.length, failures: this.failures }, "usage ledger write failed; will retry");
            return false;
          }
        }
        ok = true;
        return true;
      } finally {
        this.draining = null;
        // Whatever is left (arrived meanwhile, or kept after a failure) is written later.
        if (this.queue.length > 0) this.kick(ok ? this.options.flushMs : Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)));
      }
    })();
    return this.draining;
  }

  private lastDropLog = 0;
  private drop(n: number, message: string): void {
    this.droppedCount += n;
    this.options.onDropped?.(n);
    // One line per second at most: a full queue under load must not flood the log.
    if (Date.now() - this.lastDropLog > 1_000) {
      this.lastDropLog = Date.now();
      this.logger.warn({ dropped: n, droppedTotal: this.droppedCount, queued: this.queue.length }, message);
    }
  }
}
