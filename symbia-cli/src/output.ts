import Table from "cli-table3";
import { stringify } from "yaml";
import type { GlobalOptions } from "./api.js";

/** A column of table output: header and how to read it from a row. */
export type Column<T> = [header: string, read: (row: T) => unknown];

/**
 * Prints rows as a table (default), JSON or YAML. Tables show the chosen columns; JSON and YAML
 * show whole objects, for scripts.
 */
export function printRows<T>(options: GlobalOptions, rows: T[], columns: Column<T>[]): void {
  if (options.output === "json") return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  if (options.output === "yaml") return void process.stdout.write(stringify(rows));
  if (rows.length === 0) return void process.stdout.write("(none)\n");
  const table = new Table({ head: columns.map(([h]) => h), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map(([, read]) => format(read(row))));
  process.stdout.write(`${table.toString()}\n`);
}

/** Prints one object: key/value table, JSON or YAML. */
export function printObject(options: GlobalOptions, value: Record<string, unknown>): void {
  if (options.output === "json") return void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  if (options.output === "yaml") return void process.stdout.write(stringify(value));
  const table = new Table({ style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(value)) table.push({ [k]: format(v) });
  process.stdout.write(`${table.toString()}\n`);
}

function format(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(format).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
