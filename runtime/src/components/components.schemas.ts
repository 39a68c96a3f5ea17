import { z } from "zod";

/** What publishing did to one resource. */
export const PublishedResource = z.object({
  key: z.string(),
  type: z.enum(["component", "executor"]),
  /** `unchanged`: catalog's latest version already has this content (nothing written); `created`: new resource, version 1; `updated`: a new version. */
  action: z.enum(["unchanged", "created", "updated"]),
  version: z.int(),
  digest: z.string(),
});
export type PublishedResource = z.infer<typeof PublishedResource>;

/** Answer of `POST /api/components/publish`. */
export const PublishReport = z.object({
  /** The org the resources live in (the platform org). */
  orgId: z.string(),
  items: z.array(PublishedResource),
});
export type PublishReport = z.infer<typeof PublishReport>;
