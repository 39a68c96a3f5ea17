import {
  ListResourcesQuery, resourceKey, type CreateResourceInput, type Grant, type HistoryEvent, type Page, type Resource, type ResourceType, type UpdateResourceBody,
} from "@symbia/catalog-client";
import { issuesFromZod, validationError } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { canAct, canRead, CATALOG_CAPS, readableSet, type Caller, type CatalogCapability } from "../access/access.js";
import { gcBlobs } from "../artifacts/artifacts.service.js";
import { listArtifactDigestsOfResource } from "../artifacts/artifacts.store.js";
import { resources } from "../db/schema.js";
import type { CatalogDeps } from "../deps.js";
import * as store from "./resources.store.js";
import type { ResourceRow } from "./resources.store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A resource row as the API shows it. */
export function toResource(row: ResourceRow): Resource {
  return {
    id: row.id,
    orgId: row.orgId,
    type: row.type,
    name: row.name,
    key: row.key,
    title: row.title,
    description: row.description,
    tags: row.tags,
    visibility: row.visibility,
    status: row.status,
    metadata: JSON.parse(row.metadata) as Resource["metadata"],
    ownerId: row.ownerId,
    latestVersion: row.latestVersion,
    latestDigest: row.latestDigest,
    versionCount: row.versionCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * What search matches against: key, name, title, description and tags, lower-cased, white space
 * folded to single spaces (pg-mem's LIKE does not match across line breaks).
 */
export function searchTextOf(fields: { key: string; name: string; title: string | null; description: string; tags: string[] }): string {
  return [fields.key, fields.name, fields.title ?? "", fields.description, fields.tags.join(" ")].join(" ").replace(/\s+/g, " ").toLowerCase();
}

/**
 * Validates a body against its type's schema (the deps' map). Failing paths are reported under
 * `prefix` (`body.body.inputs.0.schema`).
 * @throws AppError validation_failed naming every failing path.
 */
export function parseBody(deps: CatalogDeps, type: ResourceType, body: unknown, prefix = "body.body"): Record<string, unknown> {
  const result = (deps.bodySchemas[type] as z.ZodType).safeParse(body);
  if (!result.success) throw validationError(issuesFromZod(result.error, prefix));
  return result.data as Record<string, unknown>;
}

/** A resource the caller may read, with the caller's grant on it. */
export interface Resolved {
  row: ResourceRow;
  grant: "read" | "write" | null;
}

async function grantOf(deps: CatalogDeps, caller: Caller, row: ResourceRow): Promise<"read" | "write" | null> {
  if (row.visibility !== "private") return null;
  return (await store.findGrant(deps.database.db, row.id, caller.principal.id))?.access ?? null;
}

const facts = (row: ResourceRow, grant: Resolved["grant"]) => ({ orgId: row.orgId, visibility: row.visibility, ownerId: row.ownerId, grant });

/**
 * The resource `ref` (id, or key in the caller's org then among the platform org's resources)
 * if the caller can read it.
 * @throws AppError not_found when it does not exist or is not visible to the caller.
 */
export async function resolveReadable(deps: CatalogDeps, caller: Caller, ref: string): Promise<Resolved> {
  const db = deps.database.db;
  let row: ResourceRow | null;
  if (UUID.test(ref)) row = await store.findResourceByIdAnyOrg(db, ref);
  else {
    row = caller.scope ? await store.findResourceInOrg(db, caller.scope.orgId, { key: ref }) : null;
    if (!row && caller.scope?.orgId !== deps.config.platformOrgId) row = await store.findResourceInOrg(db, deps.config.platformOrgId, { key: ref });
  }
  if (!row) throw new AppError("not_found", `resource ${ref} not found`);
  const grant = await grantOf(deps, caller, row);
  if (!canRead(caller.principal, facts(row, grant))) throw new AppError("not_found", `resource ${ref} not found`);
  return { row, grant };
}

/**
 * The resource `ref` of the caller's org, if the caller may act on it with `capability` (null:
 * only find it, as a visible resource of the caller's org).
 * Resources of other orgs are not found here, even public ones: writes happen in one's own tenant.
 * @throws AppError not_found (absent, other org, not visible), forbidden (visible but not allowed).
 */
export async function resolveForAction(deps: CatalogDeps, caller: Caller, ref: string, capability: CatalogCapability | null): Promise<Resolved> {
  if (!caller.scope) throw new AppError("forbidden", "principal belongs to no organization");
  const row = await store.findResourceInOrg(deps.database.db, caller.scope.orgId, UUID.test(ref) ? { id: ref } : { key: ref });
  if (!row) throw new AppError("not_found", `resource ${ref} not found`);
  const grant = await grantOf(deps, caller, row);
  if (!canRead(caller.principal, facts(row, grant))) throw new AppError("not_found", `resource ${ref} not found`);
  if (capability && !canAct(caller.principal, facts(row, grant), capability)) throw new AppError("forbidden", `missing entitlement ${capability} on ${row.key}`, { entitlement: capability });
  return { row, grant };
}

/**
 * Runs `fn` in a transaction holding the lock on the resource row (re-read fresh), after the
 * access check. Every change to a resource goes through here, so writers of one resource queue.
 */
export async function withResourceLock<T>(deps: CatalogDeps, caller: Caller, ref: string, capability: CatalogCapability, fn: (tx: Parameters<Parameters<CatalogDeps["database"]["withTransaction"]>[0]>[0], row: ResourceRow) => Promise<T>): Promise<T> {
  const { row, grant } = await resolveForAction(deps, caller, ref, capability);
  return deps.database.withTransaction(async (tx) => {
    const locked = await store.lockResource(tx, row.orgId, row.id);
    if (!locked) throw new AppError("not_found", `resource ${ref} not found`);
    // Visibility or owner may have changed between the check and the lock: decide again.
    if (!canAct(caller.principal, facts(locked, grant), capability)) throw new AppError("forbidden", `missing entitlement ${capability} on ${locked.key}`, { entitlement: capability });
    return fn(tx, locked);
  });
}

/** Creates a resource and its draft in the caller's org. Key taken → 409. */
export async function createResource(deps: CatalogDeps, caller: Caller, input: CreateResourceInput): Promise<Resource> {
  if (!caller.scope) throw new AppError("forbidden", "principal belongs to no organization");
  const body = parseBody(deps, input.type, input.body);
  const key = resourceKey(input.type, input.name);
  const tags = [...(input.tags ?? [])].sort();
  const now = new Date();
  const row = await deps.database.withTransaction(async (tx) => {
    if (await store.findResourceInOrg(tx, caller.scope!.orgId, { key })) throw new AppError("conflict", `${key} already exists in this org`, { key });
    const created = await store.insertResource(tx, caller.scope!.orgId, {
      type: input.type,
      name: input.name,
      key,
      title: input.title ?? null,
      description: input.description ?? "",
      tags,
      visibility: input.visibility ?? "org",
      status: "draft",
      metadata: JSON.stringify(input.metadata ?? {}),
      draftBody: JSON.stringify(body),
      ownerId: caller.principal.id,
      searchText: searchTextOf({ key, name: input.name, title: input.title ?? null, description: input.description ?? "", tags }),
      createdAt: now,
      updatedAt: now,
    });
    await store.recordEvent(tx, created.orgId, created.id, { type: "created", principalId: caller.principal.id, data: { key, visibility: created.visibility } });
    return created;
  });
  return toResource(row);
}

/** A resource the caller can read. */
export async function getResource(deps: CatalogDeps, caller: Caller, ref: string): Promise<Resource> {
  return toResource((await resolveReadable(deps, caller, ref)).row);
}

/** Filters shared by list and search: type, status, visibility, org, tags (all present). */
export function filterWhere(query: { type?: ResourceType | undefined; status?: Resource["status"] | undefined; visibility?: Resource["visibility"] | undefined; org?: string | undefined; tag?: string[] | undefined }): SQL[] {
  const conditions: SQL[] = [];
  if (query.type) conditions.push(eq(resources.type, query.type));
  if (query.status) conditions.push(eq(resources.status, query.status));
  if (query.visibility) conditions.push(eq(resources.visibility, query.visibility));
  if (query.org) conditions.push(eq(resources.orgId, query.org));
  for (const tag of query.tag ?? []) conditions.push(sql`${tag} = ANY(${resources.tags})`);
  return conditions;
}

/** The visibility condition of a caller for lists and search. */
export async function visibleWhere(deps: CatalogDeps, caller: Caller): Promise<SQL | undefined> {
  const granted = await store.grantedResourceIdsAnyOrg(deps.database.db, caller.principal.id);
  return store.readableWhere(readableSet(caller.principal), caller.principal.id, granted);
}

/** One page of the resources the caller can read, by key. */
export async function listResources(deps: CatalogDeps, caller: Caller, query: z.output<typeof ListResourcesQuery>): Promise<Page<Resource>> {
  const conditions = filterWhere(query);
  if (query.verified !== undefined) {
    const ids = await store.verifiedResourceIdsAnyOrg(deps.database.db);
    conditions.push(query.verified ? inArray(resources.id, ids) : ids.length ? sql`not ${inArray(resources.id, ids)}` : sql`true`);
  }
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  if (cursor && (typeof cursor.key !== "string" || !UUID.test(cursor.id ?? ""))) throw badCursor();
  const after = cursor ? { key: cursor.key!, id: cursor.id! } : null;
  const rows = await store.listResourcesAnyOrg(deps.database.db, and(await visibleWhere(deps, caller), ...conditions), after, query.limit + 1);
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return { items: items.map(toResource), nextCursor: rows.length > query.limit && last ? encodeCursor({ key: last.key, id: last.id }) : null };
}

/** Edits the draft and descriptive fields of a resource (bad body → 400 naming `body.body…`). */
export async function updateResource(deps: CatalogDeps, caller: Caller, ref: string, patch: UpdateResourceBody): Promise<Resource> {
  const row = await withResourceLock(deps, caller, ref, CATALOG_CAPS.write, async (tx, current) => {
    const body = patch.body !== undefined ? parseBody(deps, current.type, patch.body) : undefined;
    // Only the owner and admins change who can read a resource.
    if (patch.visibility !== undefined && patch.visibility !== current.visibility && current.ownerId !== caller.principal.id && !canAct(caller.principal, { orgId: current.orgId, visibility: current.visibility, ownerId: current.ownerId, grant: null }, CATALOG_CAPS.admin)) {
      throw new AppError("forbidden", "only the owner or a catalog admin changes visibility", { entitlement: CATALOG_CAPS.admin });
    }
    const next = {
      title: patch.title !== undefined ? patch.title : current.title,
      description: patch.description ?? current.description,
      tags: patch.tags ? [...patch.tags].sort() : current.tags,
      visibility: patch.visibility ?? current.visibility,
      metadata: patch.metadata ? JSON.stringify(patch.metadata) : current.metadata,
      draftBody: body ? JSON.stringify(body) : current.draftBody,
    };
    const updated = await store.updateResourceRow(tx, current.orgId, current.id, {
      ...next,
      searchText: searchTextOf({ key: current.key, name: current.name, title: next.title, description: next.description, tags: next.tags }),
      updatedAt: new Date(),
    });
    const changed = Object.keys(patch).sort();
    await store.recordEvent(tx, current.orgId, current.id, { type: "draft.updated", principalId: caller.principal.id, data: { fields: changed, ...(next.visibility !== current.visibility ? { visibility: next.visibility } : {}) } });
    return updated;
  });
  return toResource(row);
}

/** Deletes a resource with everything attached; artifact bytes no longer referenced are removed. */
export async function deleteResource(deps: CatalogDeps, caller: Caller, ref: string): Promise<void> {
  const digests = await withResourceLock(deps, caller, ref, CATALOG_CAPS.admin, async (tx, row) => {
    const digests = await listArtifactDigestsOfResource(tx, row.orgId, row.id);
    await store.deleteResourceRow(tx, row.orgId, row.id);
    return digests;
  });
  deps.logger.info({ ref, principalId: caller.principal.id }, "resource deleted");
  await gcBlobs(deps, digests);
}

/** The resource's history, oldest first, paged by sequence number. */
export async function history(deps: CatalogDeps, caller: Caller, ref: string, query: { limit: number; cursor?: string | undefined }): Promise<Page<HistoryEvent>> {
  const { row } = await resolveReadable(deps, caller, ref);
  const after = query.cursor ? Number(decodeCursor(query.cursor).seq) : 0;
  if (!Number.isInteger(after) || after < 0) throw badCursor();
  const rows = await store.listEvents(deps.database.db, row.id, after, query.limit + 1);
  const items = rows.slice(0, query.limit).map((e) => ({
    id: e.id,
    resourceId: e.resourceId,
    type: e.type,
    version: e.version,
    principalId: e.principalId,
    data: e.data ? (JSON.parse(e.data) as HistoryEvent["data"]) : null,
    createdAt: e.createdAt.toISOString(),
  }));
  return { items, nextCursor: rows.length > query.limit ? encodeCursor({ seq: rows[query.limit - 1]!.seq }) : null };
}

// ---- grants --------------------------------------------------------------------------------------

const toGrant = (g: store.GrantRow): Grant => ({ resourceId: g.resourceId, principalId: g.principalId, access: g.access, grantedBy: g.grantedBy, createdAt: g.createdAt.toISOString() });

/** Grants are managed by the resource's owner (with `cap:catalog.write`) or a catalog admin of its org. */
async function resolveGrantManager(deps: CatalogDeps, caller: Caller, ref: string): Promise<ResourceRow> {
  const { row, grant } = await resolveForAction(deps, caller, ref, CATALOG_CAPS.write);
  const owner = row.ownerId === caller.principal.id;
  if (!owner && !canAct(caller.principal, facts(row, grant), CATALOG_CAPS.admin)) throw new AppError("forbidden", "only the owner or a catalog admin manages grants", { entitlement: CATALOG_CAPS.admin });
  return row;
}

/** Grants on a resource. */
export async function listGrants(deps: CatalogDeps, caller: Caller, ref: string): Promise<Grant[]> {
  const row = await resolveGrantManager(deps, caller, ref);
  return (await store.listGrants(deps.database.db, row.id)).map(toGrant);
}

/** Creates or changes a principal's grant. */
export async function putGrant(deps: CatalogDeps, caller: Caller, ref: string, principalId: string, access: "read" | "write"): Promise<Grant> {
  const row = await resolveGrantManager(deps, caller, ref);
  return deps.database.withTransaction(async (tx) => {
    await store.lockResource(tx, row.orgId, row.id);
    const grant = await store.putGrant(tx, { resourceId: row.id, principalId, access, grantedBy: caller.principal.id });
    await store.recordEvent(tx, row.orgId, row.id, { type: "grant.put", principalId: caller.principal.id, data: { grantee: principalId, access } });
    return toGrant(grant);
  });
}

/** Removes a principal's grant (404 when there is none). */
export async function deleteGrant(deps: CatalogDeps, caller: Caller, ref: string, principalId: string): Promise<void> {
  const row = await resolveGrantManager(deps, caller, ref);
  await deps.database.withTransaction(async (tx) => {
    await store.lockResource(tx, row.orgId, row.id);
    if (!(await store.deleteGrant(tx, row.id, principalId))) throw new AppError("not_found", `no grant for ${principalId}`);
    await store.recordEvent(tx, row.orgId, row.id, { type: "grant.deleted", principalId: caller.principal.id, data: { grantee: principalId } });
  });
}

// ---- cursors -------------------------------------------------------------------------------------

/** An opaque cursor: base64url JSON. */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/**
 * Decodes a cursor made by {@link encodeCursor}.
 * @throws AppError validation_failed naming `query.cursor`.
 */
export function decodeCursor(cursor: string): Record<string, string> {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const entries = Object.entries(value).map(([k, v]) => [k, String(v)] as const);
      if (entries.every(([, v]) => !v.includes("\u0000"))) return Object.fromEntries(entries);
    }
  } catch {
    /* reported below */
  }
  throw badCursor();
}

/** The 400 of a cursor this service did not make. */
export function badCursor(): AppError {
  return validationError([{ path: "query.cursor", message: "invalid cursor", code: "custom" }]);
}
