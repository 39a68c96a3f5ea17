import type { Db } from "@symbia/db";
import type { Logger } from "@symbia/http";
import { recordEvents, type EventToRecord } from "./events.store.js";

/**
 * Writes the event history with group commit: events recorded while a write is in progress are
 * written together by the next one, in a single multi-row INSERT (one commit), so the cost of a
 * commit is shared by every event that arrived meanwhile. `record` resolves once its event is
 * stored, so a sender's verdict still means "the trace is readable".
 */
export class HistoryWriter {
  private pending: { item: EventToRecord; done: () => void }[] = [];
  private writing: Promise<void> | undefined;

  /** @param maxBatch most rows per statement. */
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly maxBatch = 500,
  ) {}

  /** Stores one event; resolves when written (a failed write is logged, never thrown: history is best effort). */
  record(item: EventToRecord): Promise<void> {
    return new Promise((done) => {
      this.pending.push({ item, done });
      this.writing ??= this.drain();
    });
  }

  /** Resolves when everything recorded so far is written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    // Let the events of the same tick join the first batch.
    await Promise.resolve();
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await recordEvents(this.db, batch.map((b) => b.item));
      } catch (error) {
        this.logger.error({ err: error, events: batch.length }, "recording event traces failed");
      }
      for (const b of batch) b.done();
    }
    this.writing = undefined;
  }
}
