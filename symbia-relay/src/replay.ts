/** Options of {@link ReplayCache}. */
export interface ReplayCacheOptions {
  /** Most event ids remembered at once (default 100,000). Memory is bounded by this. */
  maxEntries?: number;
}

/** Answer of {@link ReplayCache.checkAndRecord}. */
export type ReplayCheck = "fresh" | "replayed" | "unverifiable";

/** Counters of a {@link ReplayCache}, for metrics. */
export interface ReplayCacheStats {
  /** Ids remembered now. */
  size: number;
  /** Ids forgotten early because the cache was full. */
  evictions: number;
  /**
   * Epoch ms: events whose entry would expire at or before this are refused as unverifiable,
   * because an id that old may have been evicted. 0 until the first eviction.
   */
  floorMs: number;
}

/**
 * Remembers event ids until they leave the timestamp window, so a replay inside the window is
 * recognised. Memory is bounded: when full, the oldest-inserted id is forgotten and the cache
 * raises a floor, refusing every later event whose window ends at or before the forgotten one's,
 * so an evicted id can never be replayed successfully (the price of overload is refusing old
 * events, never accepting a replay). Expired ids are swept as new ones arrive; no timers, so it
 * never keeps a process alive.
 *
 * Keys should combine source and event id (see `replayKey`).
 */
export class ReplayCache {
  readonly maxEntries: number;
  // Insertion order: Map iteration yields the oldest entry first, so eviction and the sweep are O(1).
  private readonly entries = new Map<string, number>();
  private evictions = 0;
  private floorMs = 0;

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) throw new Error("ReplayCache: maxEntries must be a positive integer");
    this.maxEntries = max;
  }

  /**
   * Checks `key` and, when fresh, remembers it until `expiresAtMs`.
   *
   * @param key the replay key (source and event id).
   * @param expiresAtMs epoch ms after which the event is outside the window anyway.
   * @param nowMs the current time, epoch ms.
   * @returns `fresh` (first sighting, now recorded), `replayed` (seen before), or `unverifiable`
   *   (older than what the cache can still vouch for after evictions; not recorded).
   */
  checkAndRecord(key: string, expiresAtMs: number, nowMs: number): ReplayCheck {
    this.sweep(nowMs);
    if (this.entries.has(key)) return "replayed";
    if (expiresAtMs <= this.floorMs) return "unverifiable";
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.entries().next().value as [string, number];
      this.entries.delete(oldest[0]);
      this.evictions += 1;
      this.floorMs = Math.max(this.floorMs, oldest[1]);
    }
    this.entries.set(key, expiresAtMs);
    return "fresh";
  }

  /** True when `key` is remembered (whatever its expiry). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Current counters. */
  stats(): ReplayCacheStats {
    return { size: this.entries.size, evictions: this.evictions, floorMs: this.floorMs };
  }

  // Drops expired entries from the front; stops at the first live one (timestamps arrive roughly
  // in order, and anything left behind is bounded by maxEntries).
  private sweep(nowMs: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt > nowMs) return;
      this.entries.delete(key);
    }
  }
}

/** The replay key of an event: its source and id, so one node cannot burn another's ids. */
export function replayKey(source: string, eventId: string): string {
  return `${source}\u0000${eventId}`;
}
