import type { Db } from "@symbia/db";
import type { DataClass, ObjectQuery, ObjectRecord } from "@symbia/logging-client";
import { and, desc, eq, gte, inArray, lt, lte, or, type SQL } from "drizzle-orm";
import type { ReadScope } from "../access.js";
import { decodeCursor, encodeCursor } from "../cursor.js";
import { objects } from "../db/schema.js";

type ObjectRow = typeof objects.$inferSelect;

function objectRecord(row: ObjectRow): ObjectRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    service: row.service,
    env: row.env,
    dataClass: row.dataClass as DataClass,
    name: row.name,
    sizeBytes: row.sizeBytes,
    digest: row.digest,
    location: row.location,
    owner: row.owner,
    contentType: row.contentType,
    metadata: row.metadata,
    timestamp: row.ts.toISOString(),
    traceId: row.traceId,
  };
}

function visible(scope: ReadScope): SQL[] {
  return scope.sensitive ? [eq(objects.orgId, scope.orgId)] : [eq(objects.orgId, scope.orgId), eq(objects.dataClass, "none")];
}

/** Object metadata by owner, digest, name, service and time, newest first, keyset-paginated. */
export async function listObjects(db: Db, scope: ReadScope, query: ObjectQuery): Promise<{ items: ObjectRecord[]; nextCursor: string | null }> {
  const where = visible(scope);
  if (query.owner) where.push(eq(objects.owner, query.owner));
  if (query.digest) where.push(eq(objects.digest, query.digest));
  if (query.name) where.push(eq(objects.name, query.name));
  if (query.service) where.push(inArray(objects.service, query.service));
  if (query.from) where.push(gte(objects.ts, new Date(query.from)));
  if (query.to) where.push(lte(objects.ts, new Date(query.to)));
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    const at = new Date(cursor.t);
    where.push(or(lt(objects.ts, at), and(eq(objects.ts, at), lt(objects.id, cursor.id)))!);
  }
  const rows = await db.select().from(objects).where(and(...where)).orderBy(desc(objects.ts), desc(objects.id)).limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page.map(objectRecord), nextCursor: rows.length > query.limit && last ? encodeCursor(last.ts, last.id) : null };
}

/** One object's metadata, or null (absent, another org's, or sensitive without the entitlement). */
export async function getObject(db: Db, scope: ReadScope, id: string): Promise<ObjectRecord | null> {
  const [row] = await db.select().from(objects).where(and(...visible(scope), eq(objects.id, id))).limit(1);
  return row ? objectRecord(row) : null;
}
