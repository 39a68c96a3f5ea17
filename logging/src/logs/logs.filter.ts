import { LEVEL_NUMBERS, type LogRecord, type TailQuery } from "@symbia/logging-client";
import type { ReadScope } from "../access.js";

/** The filters of a log query or tail, as data (the SQL and the in-memory match read the same). */
export type LogFilter = Omit<TailQuery, "field"> & { field: Record<string, string> };

/** A field value as `fields->>'key'` renders it in SQL: strings as they are, numbers and booleans as text. */
export function fieldText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/**
 * True when `record` is visible in `scope` and passes `filter`: the in-memory twin of the SQL
 * query, used by the live tail and to refine text matches pg-mem cannot express.
 */
export function matchesLog(scope: ReadScope, filter: LogFilter, record: LogRecord): boolean {
  if (record.orgId !== scope.orgId) return false;
  if (record.dataClass !== "none" && !scope.sensitive) return false;
  if (filter.dataClass && !filter.dataClass.includes(record.dataClass)) return false;
  if (filter.level && !filter.level.includes(record.level)) return false;
  if (filter.minLevel && LEVEL_NUMBERS[record.level] < LEVEL_NUMBERS[filter.minLevel]) return false;
  if (filter.service && !filter.service.includes(record.service)) return false;
  if (filter.env && record.env !== filter.env) return false;
  if (filter.traceId && record.traceId !== filter.traceId) return false;
  if (filter.spanId && record.spanId !== filter.spanId) return false;
  if (filter.runId && record.runId !== filter.runId) return false;
  if (filter.q && !record.message.toLowerCase().includes(filter.q.toLowerCase())) return false;
  for (const [key, value] of Object.entries(filter.field)) if (fieldText(record.fields[key]) !== value) return false;
  return true;
}
