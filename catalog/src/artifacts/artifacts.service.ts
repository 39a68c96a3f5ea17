import { createWriteStream, type ReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Artifact } from "@symbia/catalog-client";
import { AppError } from "@symbia/sys";
import { CATALOG_CAPS, type Caller } from "../access/access.js";
import type { CatalogDeps } from "../deps.js";
import { resolveForAction, resolveReadable } from "../resources/resources.service.js";
import { lockResource, recordEvent, updateResourceRow } from "../resources/resources.store.js";
import { resolveVersion } from "../versions/versions.service.js";
import { checkDeclaredType, contentProblem, isTextual, tooLarge, UploadMeter } from "./content-type.js";
import * as store from "./artifacts.store.js";
import { feed } from "./upload.js";

/** An artifact row as the API shows it. */
export function toArtifact(row: store.ArtifactRow): Artifact {
  return {
    resourceId: row.resourceId,
    version: row.version,
    name: row.name,
    contentType: row.contentType,
    size: row.size,
    digest: row.digest,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

/** What an upload declares before its bytes are read. */
export interface UploadDeclaration {
  name: string;
  contentType: string;
  /** `Content-Length` of the artifact bytes, when known: larger than the limit → 413 at once. */
  length?: number | undefined;
}

/**
 * Checks an upload before reading it: the caller may write the resource's draft, the declared
 * type is allowed, the declared length is within the limit. Returns the type's essence.
 */
export async function admitUpload(deps: CatalogDeps, caller: Caller, ref: string, declaration: UploadDeclaration): Promise<{ essence: string; resource: { orgId: string; id: string } }> {
  const essence = checkDeclaredType(declaration.contentType, deps.config.artifactContentTypes);
  const { row } = await resolveForAction(deps, caller, ref, CATALOG_CAPS.write);
  if (declaration.length !== undefined && declaration.length > deps.config.artifactMaxBytes) throw tooLarge(deps.config.artifactMaxBytes);
  return { essence, resource: { orgId: row.orgId, id: row.id } };
}

/**
 * Streams an upload into the draft: bytes go to a temp file while their SHA-256 and size are
 * computed (413 past the limit, stopping the read), the content is checked against the declared
 * type (415), then the file moves under its digest and the row is written. Any failure — limit,
 * type, client abort, database — removes the temp file and leaves no row; a draft artifact of the
 * same name is replaced.
 */
export async function putDraftArtifact(
  deps: CatalogDeps,
  caller: Caller,
  ref: string,
  declaration: UploadDeclaration,
  source: Readable,
  options: { beforeCommit?: () => Promise<void> } = {},
): Promise<Artifact> {
  const { essence, resource } = await admitUpload(deps, caller, ref, declaration);
  const temp = deps.blobs.tempPath();
  const meter = new UploadMeter(deps.config.artifactMaxBytes, isTextual(essence));
  let digest: string;
  try {
    await feed(source, meter, pipeline(meter, createWriteStream(temp, { flags: "wx", mode: 0o600 })));
    const problem = await contentProblem(essence, meter.head(), meter.validUtf8);
    if (problem) throw new AppError("unsupported_media_type", problem, { contentType: essence });
    await options.beforeCommit?.();
    digest = meter.digest();
  } catch (error) {
    await deps.blobs.discard(temp);
    throw error;
  }
  let replaced: string | null = null;
  try {
    const row = await deps.blobs.commit(temp, digest, () =>
      deps.database.withTransaction(async (tx) => {
        // Deleted while the bytes streamed in?
        if (!(await lockResource(tx, resource.orgId, resource.id))) throw new AppError("not_found", `resource ${ref} not found`);
        const { orgId, id } = resource;
        const previous = await store.deleteDraftArtifact(tx, orgId, id, declaration.name);
        replaced = previous?.digest ?? null;
        const inserted = await store.insertArtifact(tx, orgId, {
          resourceId: id,
          version: store.DRAFT_VERSION,
          name: declaration.name,
          contentType: declaration.contentType.trim(),
          size: meter.size,
          digest,
          createdBy: caller.principal.id,
        });
        await updateResourceRow(tx, orgId, id, { updatedAt: new Date() });
        await recordEvent(tx, orgId, id, { type: "artifact.uploaded", principalId: caller.principal.id, data: { name: declaration.name, digest, size: meter.size, contentType: inserted.contentType } });
        return inserted;
      }),
    );
    if (replaced && replaced !== digest) await gcBlobs(deps, [replaced]);
    return toArtifact(row);
  } catch (error) {
    // The blob may already be in place with no row pointing at it.
    await deps.blobs.discard(temp);
    await gcBlobs(deps, [digest]);
    throw error;
  }
}

/** Removes a draft artifact (404 when absent); its bytes go when no version uses them. */
export async function deleteDraftArtifact(deps: CatalogDeps, caller: Caller, ref: string, name: string): Promise<void> {
  const { row } = await resolveForAction(deps, caller, ref, CATALOG_CAPS.write);
  const removed = await deps.database.withTransaction(async (tx) => {
    await lockResource(tx, row.orgId, row.id);
    const deleted = await store.deleteDraftArtifact(tx, row.orgId, row.id, name);
    if (!deleted) throw new AppError("not_found", `the draft of ${row.key} has no artifact ${name}`);
    await updateResourceRow(tx, row.orgId, row.id, { updatedAt: new Date() });
    await recordEvent(tx, row.orgId, row.id, { type: "artifact.deleted", principalId: caller.principal.id, data: { name, digest: deleted.digest } });
    return deleted;
  });
  await gcBlobs(deps, [removed.digest]);
}

/** The draft's artifacts (writers of the resource) or a version's (readers). */
export async function listArtifactsOf(deps: CatalogDeps, caller: Caller, ref: string, selector: "draft" | string): Promise<Artifact[]> {
  const { row, version } = await locate(deps, caller, ref, selector);
  return (await store.listArtifacts(deps.database.db, row.orgId, row.id, version)).map(toArtifact);
}

/**
 * Opens an artifact for download after verifying its stored bytes against the recorded digest
 * and size. A mismatch is logged as an error and answered 500: bad bytes are never served.
 */
export async function openArtifact(deps: CatalogDeps, caller: Caller, ref: string, selector: "draft" | string, name: string): Promise<{ artifact: Artifact; stream: ReadStream }> {
  const { row, version } = await locate(deps, caller, ref, selector);
  const artifact = await store.findArtifact(deps.database.db, row.orgId, row.id, version, name);
  if (!artifact) throw new AppError("not_found", `${row.key} ${version === store.DRAFT_VERSION ? "draft" : `version ${version}`} has no artifact ${name}`);
  try {
    return { artifact: toArtifact(artifact), stream: await deps.blobs.openVerified(artifact.digest, artifact.size) };
  } catch (error) {
    deps.logger.error({ err: error, key: row.key, version, artifact: name, digest: artifact.digest }, "stored artifact failed its integrity check");
    throw error;
  }
}

async function locate(deps: CatalogDeps, caller: Caller, ref: string, selector: string) {
  if (selector === "draft") {
    const { row } = await resolveForAction(deps, caller, ref, CATALOG_CAPS.write);
    return { row, version: store.DRAFT_VERSION };
  }
  const { row } = await resolveReadable(deps, caller, ref);
  return { row, version: (await resolveVersion(deps.database.db, row, selector)).version };
}

/** Deletes the blobs of `digests` that no artifact row references any more. */
export async function gcBlobs(deps: CatalogDeps, digests: string[]): Promise<void> {
  for (const digest of new Set(digests)) {
    try {
      await deps.blobs.removeIfUnreferenced(digest, () => store.digestReferencedAnyOrg(deps.database.db, digest));
    } catch (error) {
      deps.logger.warn({ err: error, digest }, "removing an unreferenced artifact blob failed");
    }
  }
}
