import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { is } from "drizzle-orm";
import { PgTable, getTableConfig } from "drizzle-orm/pg-core";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/** Format marker written at the top of every export file. */
export const EXPORT_FORMAT = "symbia-db-export/1";

/** The JSON document an export writes: every row of every table of the service's schema. */
export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  service: string;
  exportedAt: string;
  /** Rows per table (SQL table name), keyed by drizzle property names. */
  tables: Record<string, Record<string, unknown>[]>;
}

type AnyDb = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/**
 * The drizzle tables found in a schema module, ordered so that every table comes after the tables
 * its foreign keys reference (parents first).
 */
export function tablesInDependencyOrder(schema: Record<string, unknown>): PgTable[] {
  const tables = Object.values(schema).filter((v): v is PgTable => is(v, PgTable));
  const ordered: PgTable[] = [];
  const visiting = new Set<PgTable>();
  const visit = (table: PgTable) => {
    if (ordered.includes(table) || visiting.has(table)) return;
    visiting.add(table);
    for (const fk of getTableConfig(table).foreignKeys) {
      const parent = fk.reference().foreignTable;
      if (parent !== table && tables.includes(parent)) visit(parent);
    }
    visiting.delete(table);
    ordered.push(table);
  };
  tables.forEach(visit);
  return ordered;
}

function encodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value instanceof Date ? { $date: value.toISOString() } : typeof value === "bigint" ? { $bigint: value.toString() } : value;
  }
  return out;
}

function decodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const tagged = value as { $date?: unknown; $bigint?: unknown };
      const keys = Object.keys(value);
      if (keys.length === 1 && typeof tagged.$date === "string") {
        out[key] = new Date(tagged.$date);
        continue;
      }
      if (keys.length === 1 && typeof tagged.$bigint === "string") {
        out[key] = BigInt(tagged.$bigint);
        continue;
      }
    }
    out[key] = value;
  }
  return out;
}

/**
 * Reads every row of every table in `schema` into an {@link ExportDocument}. Dates and bigints
 * are tagged (`{"$date": iso}`, `{"$bigint": "…"}`) so they come back with their types.
 */
export async function exportRows(db: AnyDb, service: string, schema: Record<string, unknown>): Promise<ExportDocument> {
  const tables: ExportDocument["tables"] = {};
  for (const table of tablesInDependencyOrder(schema)) {
    const rows = (await db.select().from(table)) as Record<string, unknown>[];
    tables[getTableConfig(table).name] = rows.map((row) => encodeRow(row));
  }
  return { format: EXPORT_FORMAT, service, exportedAt: new Date().toISOString(), tables };
}

/**
 * Inserts the rows of an {@link ExportDocument} into `schema`'s tables, parents first, in batches
 * of `batchSize`. Tables absent from the document are left alone; tables absent from the schema are
 * ignored (an export from an older schema still loads).
 *
 * @returns the number of rows inserted.
 */
export async function importRows(db: AnyDb, doc: ExportDocument, schema: Record<string, unknown>, batchSize = 200): Promise<number> {
  if (doc.format !== EXPORT_FORMAT) throw new Error(`not a ${EXPORT_FORMAT} document: ${String(doc.format)}`);
  let count = 0;
  for (const table of tablesInDependencyOrder(schema)) {
    const rows = doc.tables[getTableConfig(table).name];
    if (!rows?.length) continue;
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize).map(decodeRow);
      // One row per statement on pg-mem would be slow; multi-row is safe here because every
      // exported row carries every column, so no row relies on a default.
      await db.insert(table).values(batch);
      count += batch.length;
    }
  }
  return count;
}

/** Writes `doc` to `path` atomically (temporary file, then rename) with mode 0600. */
export async function writeExportFile(path: string, doc: ExportDocument): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(doc), { mode: 0o600 });
  await rename(tmp, path);
}

/** Reads an export file; `null` when it does not exist. */
export async function readExportFile(path: string): Promise<ExportDocument | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as ExportDocument;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
