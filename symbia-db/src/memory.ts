import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { Mutex } from "async-mutex";
import { DataType, newDb, type IBackup, type IMemoryDb } from "pg-mem";
import { parse, toSql, type InsertStatement } from "pgsql-ast-parser";

/**
 * The pieces of a `pg.Pool` that drizzle's node-postgres driver uses, served by pg-mem.
 *
 * Every fix that makes drizzle work on pg-mem lives here, each covered by a test in
 * `memory.test.ts`:
 * - drizzle sends `types` (custom parsers) and `rowMode: "array"`; pg-mem rejects both. They are
 *   stripped, and for array mode the object rows are turned back into arrays in column order
 *   (pg-mem renames duplicate column names such as the two `id`s of a join to `id1`, keeping order).
 * - `gen_random_uuid()` is registered (drizzle's `defaultRandom()`).
 * - pg-mem ignores `DEFAULT` in the second and later rows of a multi-row `INSERT … VALUES`
 *   (drizzle writes `default` for every omitted column); such inserts run row by row, atomically.
 * - pg-mem does not roll back across separate queries, so transactions are serialized: while one
 *   runs, every other query waits on a mutex, and a failure restores a `backup()` taken at BEGIN.
 */
export class MemoryPool {
  readonly mem: IMemoryDb;
  private readonly inner: { query: (q: unknown, v?: unknown) => Promise<{ rows: Record<string, unknown>[]; rowCount?: number }> };
  private readonly lock = new Mutex();
  private readonly txContext = new AsyncLocalStorage<{ id: string }>();

  constructor() {
    this.mem = newDb({ noAstCoverageCheck: true, autoCreateForeignKeyIndices: true });
    this.mem.public.registerFunction({
      name: "gen_random_uuid",
      returns: DataType.uuid,
      implementation: () => randomUUID(),
      impure: true,
    });
    const { Pool } = this.mem.adapters.createPg();
    this.inner = new Pool();
  }

  /** pg-compatible `query(config | text, values?)`, serialized against running transactions. */
  query(config: unknown, values?: unknown): Promise<{ rows: unknown[]; rowCount: number; fields: never[]; command: string }> {
    if (this.txContext.getStore()) return this.run(config, values);
    return this.lock.runExclusive(() => this.run(config, values));
  }

  /** A "client" for drizzle's pool protocol; memory mode has a single connection. */
  async connect(): Promise<MemoryPool & { release: () => void }> {
    return Object.assign(Object.create(this) as MemoryPool, { release: () => undefined });
  }

  /** Accepts pg's pool `on("error")` registrations; pg-mem never emits connection errors. */
  on(_event: string, _listener: (...args: unknown[]) => void): this {
    return this;
  }

  async end(): Promise<void> {
    /* nothing to release */
  }

  /** True while the current async context runs inside {@link MemoryPool.transaction}. */
  inTransaction(): boolean {
    return this.txContext.getStore() !== undefined;
  }

  /**
   * Runs `fn` as a serialized transaction: other queries wait until it ends; if it throws, every
   * change it made is undone by restoring the snapshot taken before it started. Nested calls join
   * the outer transaction.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.txContext.getStore()) return fn();
    return this.lock.runExclusive(async () => {
      const backup: IBackup = this.mem.backup();
      try {
        return await this.txContext.run({ id: randomUUID() }, fn);
      } catch (error) {
        backup.restore();
        throw error;
      }
    });
  }

  /** Runs single-row inserts as one statement: all rows, or none if one fails. */
  private async runEach(statements: string[], values: unknown[] | undefined) {
    const backup = this.mem.backup();
    const rows: Record<string, unknown>[] = [];
    try {
      for (const text of statements) rows.push(...(await this.inner.query({ text, values: values ?? [] })).rows);
    } catch (error) {
      backup.restore();
      throw error;
    }
    return { rows, rowCount: rows.length };
  }

  private async run(config: unknown, values?: unknown) {
    let query: { text: string; values?: unknown[]; rowMode?: string };
    if (typeof config === "string") query = { text: config, values: Array.isArray(values) ? values : [] };
    else {
      const { types: _types, rowMode, ...rest } = config as { text: string; values?: unknown[]; types?: unknown; rowMode?: string };
      query = { ...rest, ...(rowMode ? { rowMode } : {}) };
      if (!query.values && Array.isArray(values)) query.values = values;
    }
    const { rowMode, ...plain } = query;
    let result: Awaited<ReturnType<typeof this.inner.query>>;
    try {
      const rowsSplit = splitMultiRowInsertWithDefaults(plain.text);
      result = rowsSplit ? await this.runEach(rowsSplit, plain.values) : await this.inner.query(plain);
    } catch (error) {
      throw withSqlState(error);
    }
    const rows = rowMode === "array" ? result.rows.map((row) => Object.values(row)) : result.rows;
    return { rows, rowCount: result.rowCount ?? rows.length, fields: [] as never[], command: "" };
  }
}

/**
 * pg-mem raises some constraint errors without PostgreSQL's SQLSTATE; add the code PostgreSQL
 * would send so error mapping behaves the same on both backends.
 */
function withSqlState(error: unknown): unknown {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== undefined) return error;
  const message = error.message;
  const code = /violates foreign key constraint/.test(message)
    ? "23503"
    : /violates not-null constraint/.test(message)
      ? "23502"
      : /cannot cast type|invalid input syntax/.test(message)
        ? "22P02"
        : /violates check constraint/.test(message)
          ? "23514"
          : undefined;
  if (code) Object.assign(error, { code });
  return error;
}

/**
 * For `INSERT … VALUES (…), (…)` with a `DEFAULT` in any row, the equivalent single-row
 * statements (parameters keep their `$n` numbers); otherwise `null`.
 */
export function splitMultiRowInsertWithDefaults(text: string): string[] | null {
  if (!/^\s*insert\b/i.test(text) || !/\bdefault\b/i.test(text)) return null;
  // Parsing is most of the cost and the answer depends on the text only (values are parameters),
  // so each distinct statement of ordinary size is parsed once.
  if (text.length > SPLIT_CACHE_MAX_TEXT) return splitUncached(text);
  const known = splitCache.get(text);
  if (known !== undefined) return known;
  const split = splitUncached(text);
  if (splitCache.size >= SPLIT_CACHE_SIZE) splitCache.delete(splitCache.keys().next().value!);
  splitCache.set(text, split);
  return split;
}

/** Statement texts already examined by {@link splitMultiRowInsertWithDefaults} (oldest dropped first). */
const splitCache = new Map<string, string[] | null>();
const SPLIT_CACHE_SIZE = 1_000;
const SPLIT_CACHE_MAX_TEXT = 8_192;

function splitUncached(text: string): string[] | null {
  let statement: InsertStatement;
  try {
    const parsed = parse(text);
    if (parsed.length !== 1 || parsed[0]!.type !== "insert") return null;
    statement = parsed[0] as InsertStatement;
  } catch {
    return null;
  }
  const source = statement.insert;
  if (source.type !== "values" || source.values.length < 2) return null;
  if (!source.values.some((row) => row.some((value) => value.type === "default"))) return null;
  return source.values.map((row) => toSql.statement({ ...statement, insert: { ...source, values: [row] } }));
}
