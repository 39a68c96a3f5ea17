/**
 * A bounded first-in-first-out queue of events waiting for the network. When full, pushing drops
 * the oldest entry and counts it: the newest events are usually the ones still worth sending.
 */
export class Outbox<T> {
  private readonly items: T[] = [];
  private droppedCount = 0;

  /** @param maxEvents most entries held (at least 1). */
  constructor(readonly maxEvents: number) {
    if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new Error("Outbox: maxEvents must be a positive integer");
  }

  /** Appends `item`; returns the entry dropped to make room, if any. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.items.length >= this.maxEvents) {
      dropped = this.items.shift();
      this.droppedCount += 1;
    }
    this.items.push(item);
    return dropped;
  }

  /**
   * Puts entries back at the front, in the given order (events that were in flight when the
   * connection dropped go out again before newer ones). When that overflows the bound, the oldest
   * entries are dropped and counted, as with {@link Outbox.push}.
   */
  requeue(items: readonly T[]): void {
    this.items.unshift(...items);
    while (this.items.length > this.maxEvents) {
      this.items.shift();
      this.droppedCount += 1;
    }
  }

  /** Removes and returns the oldest entry. */
  shift(): T | undefined {
    return this.items.shift();
  }

  /** Entries waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Entries dropped because the outbox was full, since it was created. */
  get dropped(): number {
    return this.droppedCount;
  }
}
