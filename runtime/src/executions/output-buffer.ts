import { jsonBytes } from "../components/builtins/shared.js";

/** A value that reached an open output port. */
export interface OutputRecord {
  /** Position among all outputs of the execution, from 0. */
  index: number;
  node: string;
  port: string;
  value: unknown;
}

/**
 * The most recent outputs of an execution, bounded by count and by bytes (UTF-8 JSON): past
 * either bound the oldest are evicted, and counted, so memory stays bounded however long an
 * execution runs.
 */
export class OutputBuffer {
  private entries: Array<{ record: OutputRecord; bytes: number }> = [];
  private head = 0;
  private totalBytes = 0;
  /** Outputs ever collected (kept or evicted). */
  count = 0;

  constructor(
    private readonly maxItems: number,
    private readonly maxBytes: number,
  ) {}

  /** Records a new output and returns it. */
  add(node: string, port: string, value: unknown): OutputRecord {
    const record: OutputRecord = { index: this.count++, node, port, value };
    this.keep(record);
    return record;
  }

  /** The kept outputs, oldest first. */
  list(): OutputRecord[] {
    return this.entries.slice(this.head).map((entry) => entry.record);
  }

  /** Outputs no longer kept. */
  get evicted(): number {
    return this.count - (this.entries.length - this.head);
  }

  /** Puts back outputs from a checkpoint; `count` continues from the checkpoint's. */
  restore(records: OutputRecord[], count: number): void {
    for (const record of records) this.keep(record);
    this.count = count;
  }

  private keep(record: OutputRecord): void {
    const bytes = jsonBytes(record.value);
    this.entries.push({ record, bytes });
    this.totalBytes += bytes;
    while (this.entries.length > this.head && (this.entries.length - this.head > this.maxItems || this.totalBytes > this.maxBytes)) {
      this.totalBytes -= (this.entries[this.head] as { bytes: number }).bytes;
      this.head++;
    }
    if (this.head > 1_024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
