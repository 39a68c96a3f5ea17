import { authInputOf, defineRouter, type ServiceRouter } from "@symbia/http";
import { bearerOf } from "@symbia/id";
import { CAPABILITIES } from "@symbia/sys";
import { createRequire } from "node:module";
import { z } from "zod";
import type { RuntimeDeps } from "../deps.js";
import { noForwardableCredential, publishBuiltins } from "./components.publish.js";
import { PublishReport } from "./components.schemas.js";
import { ComponentManifest } from "./manifest.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

/** `/api/components`: the components graphs may use, and their publication to catalog. */
export function componentsRouter(deps: RuntimeDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/components", tag: "components", description: "Built-in components: manifests (typed ports, config schema) and their catalog resources." });

  router.get("/", { summary: "Manifests of the components graphs may use", response: z.object({ items: z.array(ComponentManifest) }), entitlement: CAPABILITIES.runtime.read }, () => ({
    items: deps.registry.manifests(),
  }));

  router.post(
    "/publish",
    {
      summary: "Publish the built-in manifests to catalog's platform org as component resources (idempotent; matches catalog's bootstrap entries)",
      response: PublishReport,
      entitlement: CAPABILITIES.catalog.publish,
      errors: [409, 502, 503],
    },
    (req) => {
      const credential = bearerOf(authInputOf(req));
      if (!credential) throw noForwardableCredential();
      return publishBuiltins(deps.catalog, credential, { changelog: `Published by runtime ${version}.` });
    },
  );
  return router;
}
