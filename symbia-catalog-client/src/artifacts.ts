import { z } from "zod";
import { Digest, Timestamp } from "./common.js";
import { ResourceRefParams } from "./resources.js";
import { VersionSelector } from "./versions.js";

/** An artifact name: 1–128 letters, digits, `.`, `_`, `-` (no path separators). */
export const ArtifactName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "an artifact name is 1–128 letters, digits, '.', '_', '-'");

/** A media type `type/subtype` (RFC 6838), parameters allowed. */
export const ContentType = z
  .string()
  .max(200)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;\s*[a-z0-9_-]+=("[^"\u0000-\u001f]*"|[^;\s\u0000-\u001f"]+))*$/i, "a media type type/subtype");

/** An artifact of a draft (`version: 0`) or of a published version. */
export const Artifact = z
  .object({
    resourceId: z.uuid(),
    /** 0 for the draft. */
    version: z.int().nonnegative(),
    name: z.string(),
    contentType: z.string(),
    /** Bytes. */
    size: z.int().nonnegative(),
    /** `sha256:` of the bytes, computed while they streamed in; checked again on every download. */
    digest: Digest,
    createdBy: z.string(),
    createdAt: Timestamp,
  })
  .meta({ id: "Artifact" });
export type Artifact = z.infer<typeof Artifact>;

/** `:ref` and `:name` of draft artifact routes. */
export const DraftArtifactParams = ResourceRefParams.extend({ name: ArtifactName });
/** `:ref`, `:version` and `:name` of version artifact routes. */
export const VersionArtifactParams = ResourceRefParams.extend({ version: VersionSelector, name: ArtifactName });
/** Query of the raw upload: the declared content type when the body is sent as `application/octet-stream`. */
export const UploadArtifactQuery = z.object({ contentType: ContentType.optional() });

/** Header carrying an artifact's SHA-256 on downloads and upload responses (RFC 9530 `Repr-Digest`). */
export const REPR_DIGEST_HEADER = "repr-digest";
/** Our plain-hex digest header (`sha256:<hex>`), easier to compare than RFC 9530's base64. */
export const ARTIFACT_DIGEST_HEADER = "x-artifact-digest";
