import { AppError } from "@symbia/sys";

/** What the queue needs of an item: its size, counted against the byte bound. */
export interface Sized {
  bytes: number;
}

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * A FIFO bounded both in items and in bytes. `offer` never waits: it answers false when full.
 * `enqueueWhenRoom` waits its turn: waiters are admitted in arrival order as room frees, and an
 * `offer` is refused while anyone waits, so nobody overtakes and order is the order of acceptance.
 * `onAccept` runs as each item enters (used to stamp sequence numbers).
 */
export class InputQueue<T extends Sized> {
  private items: T[] = [];
  private head = 0;
  private totalBytes = 0;
  private readonly waiters: Array<Waiter<T>> = [];
  /** Deepest the queue has been, in items and in bytes. */
  maxDepth = 0;
  maxBytes = 0;

  constructor(
    readonly capacity: number,
    readonly byteLimit: number,
    private readonly onAccept: (item: T) => void = () => {},
  ) {}

  get depth(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Producers currently waiting for room. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Enqueues `item` if there is room and nobody is waiting; false otherwise. */
  offer(item: T): boolean {
    if (this.waiters.length > 0 || !this.fits(item)) return false;
    this.accept(item);
    return true;
  }

  /**
   * Enqueues `item` as soon as there is room and every earlier waiter got in.
   * @throws (rejects) when `signal` aborts first, or the queue is closed with {@link rejectWaiters}.
   */
  enqueueWhenRoom(item: T, signal?: AbortSignal): Promise<void> {
    if (this.offer(item)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason ?? new AppError("timeout", "gave up waiting for room in the input queue"));
      };
      const waiter: Waiter<T> = { item, resolve, reject, cleanup: () => signal?.removeEventListener("abort", onAbort) };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Removes and returns the oldest item, admitting waiters into the room it frees. */
  shift(): T | undefined {
    if (this.depth === 0) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as unknown as T;
    this.head++;
    // Compact now and then instead of Array.shift on every call (O(n) on long arrays).
    if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.totalBytes -= item.bytes;
    this.admitWaiters();
    return item;
  }

  /** The queued items, oldest first (for checkpoints). */
  snapshot(): T[] {
    return this.items.slice(this.head);
  }

  /** Puts back items from a checkpoint, bypassing the bounds (they were accepted before). */
  restore(items: T[]): void {
    for (const item of items) {
      this.items.push(item);
      this.totalBytes += item.bytes;
    }
    this.track();
  }

  /** Empties the queue; returns how many items were dropped. */
  clear(): number {
    const dropped = this.depth;
    this.items = [];
    this.head = 0;
    this.totalBytes = 0;
    return dropped;
  }

  /** Rejects every waiter with `error` (the queue takes no more input). */
  rejectWaiters(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }

  private fits(item: T): boolean {
    return this.depth < this.capacity && this.totalBytes + item.bytes <= this.byteLimit;
  }

  private accept(item: T): void {
    this.onAccept(item);
    this.items.push(item);
    this.totalBytes += item.bytes;
    this.track();
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.fits((this.waiters[0] as Waiter<T>).item)) {
      const waiter = this.waiters.shift() as Waiter<T>;
      waiter.cleanup();
      this.accept(waiter.item);
      waiter.resolve();
    }
  }

  private track(): void {
    if (this.depth > this.maxDepth) this.maxDepth = this.depth;
    if (this.totalBytes > this.maxBytes) this.maxBytes = this.totalBytes;
  }
}
