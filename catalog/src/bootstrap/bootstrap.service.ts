import { readFile } from "node:fs/promises";
import { canonicalJson, createResourceBodySchema, LIMITS, resourceKey, sha256Digest, type BodySchemaMap } from "@symbia/catalog-client";
import { sqlState } from "@symbia/db";
import { issuesFromZod } from "@symbia/http";
import { z } from "zod";
import { DRAFT_VERSION, listArtifacts } from "../artifacts/artifacts.store.js";
import type { CatalogDeps } from "../deps.js";
import { searchTextOf } from "../resources/resources.service.js";
import { findResourceInOrg, insertResource, lockResource, recordEvent, updateResourceRow, type ResourceRow } from "../resources/resources.store.js";
import { announce, buildContent, publishLocked } from "../versions/versions.service.js";
import { findHighestVersion, type VersionRow } from "../versions/versions.store.js";

/** The principal bootstrap acts as: catalog's own service principal. */
export const BOOTSTRAP_PRINCIPAL = "service:catalog";

/** The bootstrap file: platform resources, each a create body plus an optional changelog. Visibility defaults to public. */
export function bootstrapFileSchema(schemas: BodySchemaMap) {
  const entry = createResourceBodySchema(schemas, { changelog: z.string().max(LIMITS.changelog).optional() });
  return z.object({ $comment: z.string().optional(), resources: z.array(entry).max(1_000) });
}

/** What one bootstrap run did, by resource key. */
export interface BootstrapReport {
  created: string[];
  /** Draft replaced by the file's content (a new version follows). */
  updated: string[];
  /** Keys that got a new version, with its number. */
  published: { key: string; version: number; digest: string }[];
  unchanged: string[];
}

/**
 * Loads the platform resources of the bootstrap file into the platform org, idempotently: a
 * resource the file describes exactly as its highest version is left untouched (no row changes);
 * a new resource is created and published as version 1; a changed entry replaces the draft and is
 * published as the next version. Published versions are never overwritten. Resources no longer in
 * the file are left as they are.
 *
 * @throws Error naming the failing paths (`resources.3.body.inputs.0.schema`) when the file is invalid.
 */
export async function loadBootstrap(deps: CatalogDeps, path: string): Promise<BootstrapReport> {
  const text = await readFile(path, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`bootstrap file ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = bootstrapFileSchema(deps.bodySchemas).safeParse(raw);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error).map((i) => `${i.path || "(root)"}: ${i.message}`);
    throw new Error(`bootstrap file ${path} is invalid: ${issues.join("; ")}`);
  }
  const report: BootstrapReport = { created: [], updated: [], published: [], unchanged: [] };
  const orgId = deps.config.platformOrgId;
  const announcements: { resource: ResourceRow; version: VersionRow }[] = [];
  for (const entry of parsed.data.resources) {
    const key = resourceKey(entry.type, entry.name);
    const tags = [...(entry.tags ?? [])].sort();
    const desired = {
      title: entry.title ?? null,
      description: entry.description ?? "",
      tags,
      visibility: entry.visibility ?? "public",
      metadata: JSON.stringify(entry.metadata ?? {}),
      draftBody: JSON.stringify(entry.body),
    };
    const apply = () => deps.database.withTransaction(async (tx) => {
      let row = await findResourceInOrg(tx, orgId, { key });
      let created = false;
      if (!row) {
        const now = new Date();
        row = await insertResource(tx, orgId, {
          type: entry.type,
          name: entry.name,
          key,
          ...desired,
          status: "draft",
          ownerId: BOOTSTRAP_PRINCIPAL,
          searchText: searchTextOf({ key, name: entry.name, ...desired }),
          createdAt: now,
          updatedAt: now,
        });
        await recordEvent(tx, orgId, row.id, { type: "created", principalId: BOOTSTRAP_PRINCIPAL, data: { key, visibility: row.visibility, source: "bootstrap" } });
        created = true;
      } else {
        row = (await lockResource(tx, orgId, row.id))!;
      }
      let updated = false;
      const differs = (Object.keys(desired) as (keyof typeof desired)[]).filter((field) => canonicalJson(row![field]) !== canonicalJson(desired[field]));
      if (!created && differs.length) {
        row = await updateResourceRow(tx, orgId, row.id, { ...desired, searchText: searchTextOf({ key, name: row.name, ...desired }), updatedAt: new Date() });
        await recordEvent(tx, orgId, row.id, { type: "draft.updated", principalId: BOOTSTRAP_PRINCIPAL, data: { fields: differs, source: "bootstrap" } });
        updated = true;
      }
      const digest = sha256Digest(canonicalJson(buildContent(row, await listArtifacts(tx, orgId, row.id, DRAFT_VERSION))));
      const highest = await findHighestVersion(tx, orgId, row.id);
      if (highest?.digest === digest) return { created, updated, published: null };
      const published = await publishLocked(tx, row, BOOTSTRAP_PRINCIPAL, { changelog: entry.changelog ?? (highest ? "Updated by the platform bootstrap file." : "Platform bootstrap.") });
      return { created, updated, published };
    });
    let outcome: Awaited<ReturnType<typeof apply>>;
    try {
      outcome = await apply();
    } catch (error) {
      // Another instance starting at the same time created or published it first: look again.
      if (sqlState(error) !== "23505") throw error;
      outcome = await apply();
    }
    if (outcome.created) report.created.push(key);
    if (outcome.updated) report.updated.push(key);
    if (outcome.published) {
      report.published.push({ key, version: outcome.published.version.version, digest: outcome.published.version.digest });
      announcements.push(outcome.published);
    }
    if (!outcome.created && !outcome.updated && !outcome.published) report.unchanged.push(key);
  }
  for (const { resource, version } of announcements) await announce(deps, resource, version);
  return report;
}
