import { createRequire } from "node:module";
import { createServer, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import { artifactsRouter } from "./artifacts/artifacts.routes.js";
import type { CatalogDeps } from "./deps.js";
import { resourcesRouter, resourceTypesRouter } from "./resources/resources.routes.js";
import { searchRouter } from "./search/search.routes.js";
import { signaturesRouter, signingKeysRouter } from "./signatures/signatures.routes.js";
import { versionsRouter } from "./versions/versions.routes.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Catalog's HTTP server: every feature router, identity's verifier in the auth slot, identity in readiness. */
export function createApp(deps: CatalogDeps): SymbiaServer {
  const identityUrl = deps.config.serviceUrls.identity;
  const server = createServer({
    service: "catalog",
    version,
    description: "Versioned, frozen, signed resources (components, graphs, executors, assistants, contexts, integrations) with artifacts, visibility and search.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: deps.verifier.authenticate,
    ...(deps.telemetry ? { telemetry: requestTelemetry(deps.telemetry) } : {}),
    // The relay node starts after listen, leaves first at shutdown, and shows in /health/ready.
    ...(deps.relay ? { relay: deps.relay } : {}),
    readiness: {
      identity: async () => {
        const res = await fetch(new URL("/.well-known/jwks.json", identityUrl), { signal: AbortSignal.timeout(1_500) });
        if (!res.ok) throw new Error(`identity answered ${res.status}`);
      },
    },
    tags: [
      { name: "resources", description: "Resources, drafts, history and grants" },
      { name: "versions", description: "Publish-to-freeze, versions by number, latest or digest, deprecate and yank" },
      { name: "artifacts", description: "Streamed artifacts with SHA-256 digests" },
      { name: "signatures", description: "Ed25519 signing keys and signatures over version digests" },
      { name: "search", description: "Ranked search" },
    ],
    routers: [resourceTypesRouter(deps), resourcesRouter(deps), versionsRouter(deps), artifactsRouter(deps), signaturesRouter(deps), signingKeysRouter(deps), searchRouter(deps)],
  });
  server.onShutdown("verifier", () => deps.verifier.close());
  if (deps.telemetry) attachTelemetry(server, deps.telemetry);
  return server;
}
