import { ChangelogEntry, Draft, ListVersionsQuery, page, PublishBody, ResourceRefParams, StatusChangeBody, Version, VersionParams, VersionSummary } from "@symbia/catalog-client";
import { defineRouter } from "@symbia/http";
import { z } from "zod";
import { callerOf, CATALOG_CAPS, writerOf } from "../access/access.js";
import type { CatalogDeps } from "../deps.js";
import * as versions from "./versions.service.js";

/** `/api/resources/:ref/…`: the draft, publishing, versions by number, `latest` or digest, deprecate, yank, changelog. */
export function versionsRouter(deps: CatalogDeps) {
  const router = defineRouter({ basePath: "/api/resources", tag: "versions", description: "Publish freezes the draft as version N with a SHA-256 digest over its RFC 8785 canonical JSON; a published version never changes." });

  router.get("/:ref/draft", { summary: "The draft, the digest publishing it would give, and whether it changed (writers)", params: ResourceRefParams, response: Draft, entitlement: CATALOG_CAPS.write }, (req) =>
    versions.getDraft(deps, writerOf(req), req.valid.params.ref),
  );
  router.post(
    "/:ref/publish",
    { summary: "Freeze the draft as the next version (409 when unchanged); the body is optional", params: ResourceRefParams, body: PublishBody.optional(), response: Version, status: 201, entitlement: CATALOG_CAPS.publish, errors: [409] },
    (req) => versions.publish(deps, writerOf(req), req.valid.params.ref, req.valid.body ?? {}),
  );
  router.get("/:ref/versions", { summary: "Version history, newest first (filters: status, verified)", params: ResourceRefParams, query: ListVersionsQuery, response: page(VersionSummary) }, (req) =>
    versions.listVersions(deps, callerOf(req), req.valid.params.ref, req.valid.query),
  );
  router.get("/:ref/versions/:version", { summary: "A version by number, `latest` (highest not yanked) or digest `sha256:…`", params: VersionParams, response: Version }, (req) =>
    versions.getVersion(deps, callerOf(req), req.valid.params.ref, req.valid.params.version),
  );
  for (const method of ["put", "patch", "delete"] as const) {
    router[method](
      "/:ref/versions/:version",
      { summary: "Refused: published versions are frozen (409); edit the draft and publish", params: VersionParams, entitlement: CATALOG_CAPS.write, errors: [409] },
      (req) => versions.refuseVersionEdit(deps, callerOf(req), req.valid.params.ref, req.valid.params.version),
    );
  }
  router.post(
    "/:ref/versions/:version/deprecate",
    { summary: "Deprecate a version, with a reason", params: VersionParams, body: StatusChangeBody, response: VersionSummary, entitlement: CATALOG_CAPS.publish, errors: [409] },
    (req) => versions.changeStatus(deps, writerOf(req), req.valid.params.ref, req.valid.params.version, "deprecated", req.valid.body.reason),
  );
  router.post(
    "/:ref/versions/:version/yank",
    { summary: "Yank a version, with a reason (`latest` skips it)", params: VersionParams, body: StatusChangeBody, response: VersionSummary, entitlement: CATALOG_CAPS.publish, errors: [409] },
    (req) => versions.changeStatus(deps, writerOf(req), req.valid.params.ref, req.valid.params.version, "yanked", req.valid.body.reason),
  );
  router.get("/:ref/changelog", { summary: "Each version's changelog and status, newest first", params: ResourceRefParams, response: z.object({ items: z.array(ChangelogEntry) }) }, async (req) => ({
    items: await versions.changelog(deps, callerOf(req), req.valid.params.ref),
  }));
  return router;
}
