import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Artifact, ArtifactName, ARTIFACT_DIGEST_HEADER, ContentType, DraftArtifactParams, ResourceRefParams, UploadArtifactQuery, VersionArtifactParams, VersionParams } from "@symbia/catalog-client";
import { defineRouter } from "@symbia/http";
import { AppError } from "@symbia/sys";
import type { Request, Response } from "express";
import { z } from "zod";
import { callerOf, CATALOG_CAPS, writerOf } from "../access/access.js";
import type { CatalogDeps } from "../deps.js";
import { refuseVersionEdit } from "../versions/versions.service.js";
import { deleteDraftArtifact, listArtifactsOf, openArtifact, putDraftArtifact } from "./artifacts.service.js";
import { drainRefusedUpload, receiveMultipart } from "./upload.js";

/** Multipart framing (boundaries, part headers) allowed on top of the artifact limit before 413 at once. */
const MULTIPART_OVERHEAD = 64 * 1024;

const items = z.object({ items: z.array(Artifact) });

/** Runs an upload handler; on failure, lets the refused client finish sending before the answer. */
async function upload<T>(req: Request, res: Response, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    drainRefusedUpload(req, res);
    throw error;
  }
}

function contentLength(req: Request): number | undefined {
  const value = req.get("content-length");
  return value === undefined || !/^\d+$/.test(value) ? undefined : Number(value);
}

/** `/api/resources/:ref/draft/artifacts` and `/api/resources/:ref/versions/:version/artifacts`. */
export function artifactsRouter(deps: CatalogDeps) {
  const router = defineRouter({
    basePath: "/api/resources",
    tag: "artifacts",
    description: `Artifacts up to ${deps.config.artifactMaxBytes} bytes, streamed in (raw body or multipart) with their SHA-256 computed on the way, attached to the draft and frozen with each published version; every download re-checks the digest.`,
  });

  router.put(
    "/:ref/draft/artifacts/:name",
    {
      summary: "Upload (or replace) a draft artifact from the raw body; declared type: `?contentType=` or Content-Type",
      params: DraftArtifactParams,
      query: UploadArtifactQuery,
      consumes: "application/octet-stream",
      response: Artifact,
      status: 201,
      entitlement: CATALOG_CAPS.write,
      errors: [409, 413, 415],
    },
    (req, res) =>
      upload(req, res, async () => {
        const headerType = req.get("content-type");
        const contentType = req.valid.query.contentType ?? headerType;
        if (!contentType) throw new AppError("validation_failed", "declare the artifact's content type", { issues: [{ path: "query.contentType", message: "required without a Content-Type header", code: "custom" }] });
        if (!ContentType.safeParse(contentType).success) throw new AppError("validation_failed", "invalid content type", { issues: [{ path: "headers.content-type", message: "a media type type/subtype", code: "custom" }] });
        // A JSON or form body was already parsed by the server: its exact bytes are gone.
        if (req.body !== undefined || req.readableEnded) throw new AppError("unsupported_media_type", "send artifact bytes as application/octet-stream with ?contentType=<type>", { contentType: headerType });
        return putDraftArtifact(deps, writerOf(req), req.valid.params.ref, { name: req.valid.params.name, contentType, length: contentLength(req) }, req);
      }),
  );

  router.post(
    "/:ref/draft/artifacts",
    {
      summary: "Upload (or replace) a draft artifact from multipart/form-data: optional `name` field, then one file part (its Content-Type is the declared type)",
      params: ResourceRefParams,
      consumes: "multipart/form-data",
      response: Artifact,
      status: 201,
      entitlement: CATALOG_CAPS.write,
      errors: [409, 413, 415],
    },
    (req, res) =>
      upload(req, res, async () => {
        if (!req.is("multipart/form-data")) throw new AppError("unsupported_media_type", "send multipart/form-data (or PUT the raw bytes to …/draft/artifacts/:name)");
        const length = contentLength(req);
        if (length !== undefined && length > deps.config.artifactMaxBytes + MULTIPART_OVERHEAD) {
          throw new AppError("payload_too_large", `artifact is larger than the limit of ${deps.config.artifactMaxBytes} bytes`, { limitBytes: deps.config.artifactMaxBytes });
        }
        const caller = writerOf(req);
        return receiveMultipart(req, async (file) => {
          const name = ArtifactName.safeParse(file.fields.name ?? file.filename);
          if (!name.success) throw new AppError("validation_failed", "invalid artifact name", { issues: [{ path: "body.name", message: name.error.issues[0]!.message, code: "custom" }] });
          if (!ContentType.safeParse(file.mimeType).success) throw new AppError("validation_failed", "invalid content type", { issues: [{ path: "body.file", message: "the file part's Content-Type is not a media type", code: "custom" }] });
          return putDraftArtifact(deps, caller, req.valid.params.ref, { name: name.data, contentType: file.mimeType }, file.stream, { beforeCommit: () => file.complete });
        });
      }),
  );

  router.get("/:ref/draft/artifacts", { summary: "The draft's artifacts (writers)", params: ResourceRefParams, response: items, entitlement: CATALOG_CAPS.write }, async (req) => ({
    items: await listArtifactsOf(deps, writerOf(req), req.valid.params.ref, "draft"),
  }));
  router.get("/:ref/draft/artifacts/:name", { summary: "Download a draft artifact (writers), digest checked", params: DraftArtifactParams, produces: "application/octet-stream", entitlement: CATALOG_CAPS.write }, (req, res) =>
    send(deps, req, res, "draft"),
  );
  router.delete("/:ref/draft/artifacts/:name", { summary: "Remove a draft artifact", params: DraftArtifactParams, status: 204, entitlement: CATALOG_CAPS.write }, async (req) => {
    await deleteDraftArtifact(deps, writerOf(req), req.valid.params.ref, req.valid.params.name);
  });

  router.get("/:ref/versions/:version/artifacts", { summary: "A version's artifacts", params: VersionParams, response: items }, async (req) => ({
    items: await listArtifactsOf(deps, callerOf(req), req.valid.params.ref, req.valid.params.version),
  }));
  router.get(
    "/:ref/versions/:version/artifacts/:name",
    { summary: "Download a version's artifact; its stored bytes are checked against the digest first (500, nothing served, when they differ)", params: VersionArtifactParams, produces: "application/octet-stream" },
    (req, res) => send(deps, req, res, req.valid.params.version),
  );
  for (const method of ["put", "delete"] as const) {
    router[method](
      "/:ref/versions/:version/artifacts/:name",
      { summary: "Refused: a published version's artifacts are frozen (409)", params: VersionArtifactParams, entitlement: CATALOG_CAPS.write, errors: [409] },
      (req, res) => upload(req, res, () => refuseVersionEdit(deps, callerOf(req), req.valid.params.ref, req.valid.params.version, "artifact")),
    );
  }
  return router;
}

/**
 * Streams an artifact whose stored bytes were just verified, hashing them again on the way out:
 * should the file change under us, the connection is cut instead of finishing a bad response.
 */
async function send(deps: CatalogDeps, req: Request, res: Response, selector: string): Promise<undefined> {
  const params = req.valid.params as { ref: string; name: string };
  const caller = selector === "draft" ? writerOf(req) : callerOf(req);
  const { artifact, stream } = await openArtifact(deps, caller, params.ref, selector, params.name);
  const hex = artifact.digest.slice("sha256:".length);
  res.status(200);
  res.setHeader("content-type", artifact.contentType);
  res.setHeader("content-length", String(artifact.size));
  res.setHeader(ARTIFACT_DIGEST_HEADER, artifact.digest);
  res.setHeader("repr-digest", `sha-256=:${Buffer.from(hex, "hex").toString("base64")}:`);
  res.setHeader("etag", `"${artifact.digest}"`);
  res.setHeader("content-disposition", `attachment; filename="${artifact.name}"`);
  res.setHeader("cache-control", selector === "draft" ? "no-store" : "private, max-age=3600");
  // The last chunk is held back until the whole file hashed right: a file that changed under us
  // ends short of Content-Length, so no client mistakes it for a complete answer.
  const hash = createHash("sha256");
  let held: Buffer | null = null;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      if (held) this.push(held);
      held = chunk;
      cb();
    },
    flush(cb) {
      const actual = `sha256:${hash.digest("hex")}`;
      if (actual !== artifact.digest) return cb(new AppError("internal", `artifact ${artifact.digest} changed while it was sent (now ${actual})`));
      if (held) this.push(held);
      cb();
    },
  });
  try {
    await pipeline(stream, guard, res);
  } catch (error) {
    deps.logger.error({ err: error, digest: artifact.digest }, "artifact download aborted");
    res.destroy();
  }
  return undefined;
}
