// HTTP load with autocannon, keeping every response time (autocannon's own histogram rounds to
// whole milliseconds, too coarse for sub-millisecond figures).
import autocannon from "autocannon";
import { summarize } from "./report.js";

/** One HTTP target: method, URL, headers and body of every request. */
export interface Target {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

/** What one load run measured. */
export interface LoadResult {
  connections: number;
  seconds: number;
  /** Mean requests per second over the run (autocannon's). */
  requestsPerSecond: number;
  /** Response times of 2xx answers, ms. */
  latency: ReturnType<typeof summarize>;
  non2xx: number;
  errors: number;
}

/**
 * Runs autocannon against `target` with `connections` for `seconds` (or `amount` requests) and
 * returns requests/s and the percentiles of every 2xx response time (also pushed to `sink`, to
 * pool several runs).
 */
export async function load(target: Target, connections: number, options: { seconds?: number; amount?: number; sink?: number[] }): Promise<LoadResult> {
  const times: number[] = [];
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: target.url,
        method: target.method ?? "POST",
        ...(target.headers ? { headers: target.headers } : {}),
        ...(target.body !== undefined ? { body: target.body } : {}),
        connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 5 }),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status < 300) {
      times.push(responseTime);
      options.sink?.push(responseTime);
    }
  });
  const result = await done;
  return {
    connections,
    seconds: result.duration,
    requestsPerSecond: result.requests.average,
    latency: times.length ? summarize(times) : { p50: Number.NaN, p90: Number.NaN, p95: Number.NaN, p99: Number.NaN, mean: Number.NaN, samples: 0 },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
