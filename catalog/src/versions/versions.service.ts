import {
  canonicalJson, sha256Digest, type ChangelogEntry, type Draft, type Page, type PublishBody, type Version, type VersionContent, type VersionSummary,
} from "@symbia/catalog-client";
import type { Db } from "@symbia/db";
import { AppError } from "@symbia/sys";
import { CATALOG_CAPS, type Caller } from "../access/access.js";
import { DRAFT_VERSION, copyDraftArtifacts, listArtifacts, type ArtifactRow } from "../artifacts/artifacts.store.js";
import type { CatalogDeps, CatalogSchema } from "../deps.js";
import { badCursor, resolveForAction, resolveReadable, toResource, withResourceLock } from "../resources/resources.service.js";
import { recordEvent, updateResourceRow, versionStates, type ResourceRow } from "../resources/resources.store.js";
import { signedVersions } from "../signatures/signatures.store.js";
import * as store from "./versions.store.js";
import type { VersionRow } from "./versions.store.js";

/**
 * The content a version freezes: the draft's descriptive fields, body and artifact manifest
 * (sorted by name). Ids, org, visibility and times stay out, so equal content has an equal digest
 * in any org, on either database, after any restart.
 */
export function buildContent(row: ResourceRow, artifacts: ArtifactRow[]): VersionContent {
  return {
    type: row.type,
    key: row.key,
    name: row.name,
    title: row.title,
    description: row.description,
    tags: row.tags,
    metadata: JSON.parse(row.metadata) as VersionContent["metadata"],
    body: JSON.parse(row.draftBody) as VersionContent["body"],
    artifacts: [...artifacts]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((a) => ({ name: a.name, contentType: a.contentType, size: a.size, digest: a.digest })),
  };
}

/** A version row without its content. */
export function toSummary(row: VersionRow, key: string): VersionSummary {
  return {
    resourceId: row.resourceId,
    key,
    version: row.version,
    digest: row.digest,
    status: row.status,
    statusReason: row.statusReason,
    statusChangedAt: row.statusChangedAt?.toISOString() ?? null,
    changelog: row.changelog,
    publishedBy: row.publishedBy,
    publishedAt: row.publishedAt.toISOString(),
  };
}

/**
 * A version row with its content, after checking that the stored canonical text still hashes to
 * the stored digest.
 * @throws AppError internal when it does not (the row was altered outside the service).
 */
export function toVersion(row: VersionRow, key: string): Version {
  const actual = sha256Digest(row.content);
  if (actual !== row.digest) throw new AppError("internal", `version ${row.version} of ${key} failed its integrity check: content hashes to ${actual}, recorded ${row.digest}`);
  return { ...toSummary(row, key), content: JSON.parse(row.content) as VersionContent };
}

/**
 * The version a selector names: a number, `latest` (highest not yanked) or a digest (highest
 * version with it).
 * @throws AppError not_found.
 */
export async function resolveVersion(db: Db<CatalogSchema>, resource: ResourceRow, selector: string): Promise<VersionRow> {
  const row =
    selector === "latest" ? await store.findLatestVersion(db, resource.orgId, resource.id)
    : selector.startsWith("sha256:") ? await store.findVersionByDigest(db, resource.orgId, resource.id, selector)
    : await store.findVersion(db, resource.orgId, resource.id, Number(selector));
  if (!row) throw new AppError("not_found", selector === "latest" ? `${resource.key} has no version that is not yanked` : `${resource.key} has no version ${selector}`);
  return row;
}

/** The draft, the digest publishing it would give, and whether it differs from the highest version. */
export async function getDraft(deps: CatalogDeps, caller: Caller, ref: string): Promise<Draft> {
  const { row } = await resolveForAction(deps, caller, ref, CATALOG_CAPS.write);
  const db = deps.database.db;
  const content = buildContent(row, await listArtifacts(db, row.orgId, row.id, DRAFT_VERSION));
  const digest = sha256Digest(canonicalJson(content));
  const highest = await store.findHighestVersion(db, row.orgId, row.id);
  return { resourceId: row.id, key: row.key, content, digest, unchanged: highest?.digest === digest, updatedAt: row.updatedAt.toISOString() };
}

/**
 * Freezes the draft as the next version: content snapshot, RFC 8785 canonical text, SHA-256
 * digest, the draft's artifacts copied to the version. Refused (409) when the draft equals the
 * highest version or `expectedVersion` is not the next number. Emits `published` after commit.
 */
export async function publish(deps: CatalogDeps, caller: Caller, ref: string, body: PublishBody): Promise<Version> {
  const { version, resource } = await withResourceLock(deps, caller, ref, CATALOG_CAPS.publish, (tx, row) => publishLocked(tx, row, caller.principal.id, body));
  await announce(deps, resource, version);
  return toVersion(version, resource.key);
}

/** {@link publish} inside a transaction that holds the resource lock (bootstrap uses it directly). */
export async function publishLocked(tx: Db<CatalogSchema>, row: ResourceRow, principalId: string, body: PublishBody): Promise<{ version: VersionRow; resource: ResourceRow }> {
  const content = buildContent(row, await listArtifacts(tx, row.orgId, row.id, DRAFT_VERSION));
  const canonical = canonicalJson(content);
  const digest = sha256Digest(canonical);
  const highest = await store.findHighestVersion(tx, row.orgId, row.id);
  if (highest?.digest === digest) throw new AppError("conflict", `the draft of ${row.key} is unchanged since version ${highest.version} (${digest}); edit it before publishing`, { version: highest.version, digest });
  const next = row.versionCount + 1;
  if (body.expectedVersion !== undefined && body.expectedVersion !== next) throw new AppError("conflict", `the next version of ${row.key} is ${next}, not ${body.expectedVersion}`, { nextVersion: next });
  const now = new Date();
  const version = await store.insertVersion(tx, row.orgId, {
    resourceId: row.id,
    version: next,
    digest,
    content: canonical,
    changelog: body.changelog ?? null,
    status: "published",
    publishedBy: principalId,
    publishedAt: now,
  });
  await copyDraftArtifacts(tx, row.orgId, row.id, next, principalId);
  const resource = await updateResourceRow(tx, row.orgId, row.id, { versionCount: next, latestVersion: next, latestDigest: digest, status: "published", updatedAt: now });
  await recordEvent(tx, row.orgId, row.id, { type: "published", version: next, principalId, data: { digest } });
  return { version, resource };
}

/** Tells the platform a version was published; a failure is logged, never thrown. */
export async function announce(deps: CatalogDeps, resource: ResourceRow, version: VersionRow): Promise<void> {
  try {
    await deps.events.published(toResource(resource), toSummary(version, resource.key));
  } catch (error) {
    deps.logger.error({ err: error, key: resource.key, version: version.version }, "publishing the catalog.resource.published event failed");
  }
}

/** A version the caller can read, by selector, with its verified content. */
export async function getVersion(deps: CatalogDeps, caller: Caller, ref: string, selector: string): Promise<Version> {
  const { row } = await resolveReadable(deps, caller, ref);
  return toVersion(await resolveVersion(deps.database.db, row, selector), row.key);
}

/** The version history, newest first; `verified` keeps versions with (or without) a valid signature. */
export async function listVersions(
  deps: CatalogDeps,
  caller: Caller,
  ref: string,
  query: { limit: number; cursor?: string | undefined; status?: VersionRow["status"] | undefined; verified?: boolean | undefined },
): Promise<Page<VersionSummary>> {
  const { row } = await resolveReadable(deps, caller, ref);
  const db = deps.database.db;
  const before = query.cursor === undefined ? undefined : Number(query.cursor);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw badCursor();
  let versions: number[] | undefined;
  if (query.verified !== undefined) {
    const signed = await signedVersions(db, row.orgId, row.id);
    versions = query.verified ? signed : (await versionStates(db, row.id)).map((v) => v.version).filter((v) => !signed.includes(v));
  }
  const rows = await store.listVersions(db, row.orgId, row.id, { status: query.status, versions, before }, query.limit + 1);
  const items = rows.slice(0, query.limit);
  return { items: items.map((v) => toSummary(v, row.key)), nextCursor: rows.length > query.limit ? String(items.at(-1)!.version) : null };
}

/** Every version's changelog, newest first. */
export async function changelog(deps: CatalogDeps, caller: Caller, ref: string): Promise<ChangelogEntry[]> {
  const { row } = await resolveReadable(deps, caller, ref);
  const rows = await store.listVersions(deps.database.db, row.orgId, row.id, {}, 100_000);
  return rows.map((v) => ({ version: v.version, digest: v.digest, status: v.status, statusReason: v.statusReason, changelog: v.changelog, publishedAt: v.publishedAt.toISOString() }));
}

const TRANSITIONS: Record<VersionRow["status"], readonly VersionRow["status"][]> = {
  published: ["deprecated", "yanked"],
  deprecated: ["yanked"],
  yanked: [],
};

/**
 * Deprecates or yanks a version with a reason, and recomputes the resource's status and latest
 * version. Allowed: published → deprecated, published or deprecated → yanked; anything else 409.
 * Emits `catalog.resource.deprecated` / `.yanked` after commit.
 */
export async function changeStatus(deps: CatalogDeps, caller: Caller, ref: string, selector: string, to: "deprecated" | "yanked", reason: string): Promise<VersionSummary> {
  const { summary, resource } = await withResourceLock(deps, caller, ref, CATALOG_CAPS.publish, async (tx, row) => {
    const version = await resolveVersion(tx, row, selector);
    if (!TRANSITIONS[version.status].includes(to)) throw new AppError("conflict", `version ${version.version} of ${row.key} is ${version.status}; it cannot become ${to}`, { status: version.status });
    const updated = await store.setVersionStatus(tx, row.orgId, row.id, version.version, to, reason, new Date());
    const states = await versionStates(tx, row.id);
    const live = states.filter((s) => s.status !== "yanked");
    const latest = live.at(-1);
    const resource = await updateResourceRow(tx, row.orgId, row.id, {
      status: latest ? latest.status : "yanked",
      latestVersion: latest?.version ?? null,
      latestDigest: latest?.digest ?? null,
      updatedAt: new Date(),
    });
    await recordEvent(tx, row.orgId, row.id, { type: to, version: version.version, principalId: caller.principal.id, data: { reason } });
    return { summary: toSummary(updated, row.key), resource };
  });
  // After commit, as for publish: a failure is logged, never thrown.
  try {
    await deps.events.statusChanged?.(toResource(resource), summary, to, reason);
  } catch (error) {
    deps.logger.error({ err: error, key: resource.key, version: summary.version }, `publishing the catalog.resource.${to} event failed`);
  }
  return summary;
}

/**
 * Any attempt to change a published version: 404 when it is not a resource of the caller's org
 * that the caller can see, else 409 — published versions are frozen; edits go to the draft.
 */
export async function refuseVersionEdit(deps: CatalogDeps, caller: Caller, ref: string, selector: string, what = "version"): Promise<never> {
  const { row } = await resolveForAction(deps, caller, ref, null);
  const version = await resolveVersion(deps.database.db, row, selector);
  throw new AppError("conflict", `version ${version.version} of ${row.key} is published and frozen (${version.digest}); change the draft and publish a new ${what === "version" ? "version" : "version with the artifact"}`, {
    version: version.version,
    digest: version.digest,
  });
}
