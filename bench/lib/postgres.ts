// Which store a benchmark uses: PostgreSQL at BENCH_DATABASE_URL (default the local test database)
// when it answers, else pg-mem — whose per-query SQL parsing would otherwise be what is measured.
import pg from "pg";

/** The default PostgreSQL of benchmarks. */
export const DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** BENCH_DATABASE_URL (or the default) when a connection succeeds within a second; undefined otherwise or with BENCH_STORE=pg-mem. */
export async function reachablePostgres(): Promise<string | undefined> {
  if (process.env.BENCH_STORE === "pg-mem") return undefined;
  const url = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL;
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  const ok = await probe.connect().then(
    () => true,
    () => false,
  );
  await probe.end().catch(() => undefined);
  return ok ? url : undefined;
}
