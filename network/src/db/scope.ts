import { and, eq, gt, isNull, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/**
 * Whose rows a store call acts on. An org scope (`{orgId: "org-1"}`, e.g. `@symbia/sys` `Scope`)
 * reads the org's rows and the platform's (`org_id` null) but writes only the org's; the platform
 * scope (`{orgId: null}`, super admins and the network itself) reads and writes platform rows only.
 */
export interface OwnerScope {
  orgId: string | null;
}

/** Rows a scope may read: its org's and the platform's, or the platform's only. */
export function visibleTo(column: PgColumn, scope: OwnerScope): SQL {
  return scope.orgId === null ? isNull(column) : (or(eq(column, scope.orgId), isNull(column)) as SQL);
}

/** Rows a scope owns (may change or delete). */
export function ownedBy(column: PgColumn, scope: OwnerScope): SQL {
  return scope.orgId === null ? isNull(column) : eq(column, scope.orgId);
}

/** A position in a list ordered by (created_at, id). */
export interface CreatedCursor {
  at: Date;
  id: string;
}

/** Opaque cursor text for a (created_at, id) position: base64url of `<ISO>|<id>`. */
export function encodeCreatedCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`, "utf8").toString("base64url");
}

/** Reads a cursor made by {@link encodeCreatedCursor}; null when it is not one. */
export function decodeCreatedCursor(cursor: string): CreatedCursor | null {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const bar = text.indexOf("|");
  if (bar < 0) return null;
  const at = new Date(text.slice(0, bar));
  const id = text.slice(bar + 1);
  return Number.isNaN(at.getTime()) || id === "" ? null : { at, id };
}

/** Rows after a (created_at, id) position. */
export function afterCreated(createdAt: PgColumn, id: PgColumn, cursor: CreatedCursor): SQL {
  return or(gt(createdAt, cursor.at), and(eq(createdAt, cursor.at), gt(id, cursor.id))) as SQL;
}
