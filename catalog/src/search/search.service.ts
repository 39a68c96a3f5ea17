import type { SearchHit, SearchQuery, SearchResponse } from "@symbia/catalog-client";
import { and, asc, like, type SQL } from "drizzle-orm";
import type { z } from "zod";
import type { Caller } from "../access/access.js";
import { resources } from "../db/schema.js";
import type { CatalogDeps } from "../deps.js";
import { badCursor, decodeCursor, encodeCursor, filterWhere, toResource, visibleWhere } from "../resources/resources.service.js";
import { queryTerms, rank } from "./rank.js";

/** Most candidate rows ranked per query: a query matching more answers the best of these. */
export const MAX_CANDIDATES = 2_000;

/**
 * A LIKE pattern finding `term` anywhere. pg-mem ignores LIKE's escape character, so `%`, `_` and
 * `\` in a term become the one-character wildcard `_` on both databases; candidates are then
 * checked for the exact substring in code.
 */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, "_")}%`;
}

/**
 * Searches the resources the caller can read: every query word must occur in the key, name,
 * title, description or tags (a LIKE over a lower-cased search column, which PostgreSQL and
 * pg-mem both run, then an exact check), and the matches are ranked in code ({@link rank}), best
 * first, ties by key.
 * Paged by offset; `total` counts all matches (capped at {@link MAX_CANDIDATES}).
 */
export async function search(deps: CatalogDeps, caller: Caller, query: z.output<typeof SearchQuery>): Promise<SearchResponse> {
  const terms = queryTerms(query.q);
  const conditions: SQL[] = [...filterWhere(query), ...terms.map((t) => like(resources.searchText, likePattern(t)))];
  const rows = await deps.database.db
    .select()
    .from(resources)
    .where(and(await visibleWhere(deps, caller), ...conditions))
    .orderBy(asc(resources.key), asc(resources.id))
    .limit(MAX_CANDIDATES);
  const hits: SearchHit[] = rows
    .filter((row) => terms.every((t) => row.searchText.includes(t)))
    .map((row) => ({ row, ...rank(row, terms) }))
    .sort((a, b) => b.score - a.score || (a.row.key < b.row.key ? -1 : a.row.key > b.row.key ? 1 : a.row.orgId < b.row.orgId ? -1 : 1))
    .map(({ row, score, matched }) => ({ resource: toResource(row), score, matched }));
  const offset = query.cursor ? Number(decodeCursor(query.cursor).offset) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw badCursor();
  const items = hits.slice(offset, offset + query.limit);
  return { items, total: hits.length, nextCursor: offset + query.limit < hits.length ? encodeCursor({ offset: offset + query.limit }) : null };
}
