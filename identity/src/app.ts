import { createRequire } from "node:module";
import { createServer, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import cookieParser from "cookie-parser";
import type { IdentityDeps } from "./deps.js";
import { agentsRouter, apiKeysRouter } from "./agents/agents.routes.js";
import { auditRouter } from "./audit/audit.routes.js";
import { authRouter } from "./auth/auth.routes.js";
import { entitiesRouter } from "./entities/entities.routes.js";
import { entitlementsRouter } from "./entitlements/entitlements.routes.js";
import { keysRouter, wellKnownRouter } from "./keys/keys.routes.js";
import { invitationsRouter, orgsRouter } from "./orgs/orgs.routes.js";
import { identityNode } from "./relay.js";
import { identityAuthenticator, pruneExpired } from "./tokens/tokens.service.js";
import { usersRouter } from "./users/users.routes.js";
import { vaultRouter } from "./vault/vault.routes.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Identity's HTTP server: every feature router, its own authenticator, and housekeeping. */
export function createApp(deps: IdentityDeps): SymbiaServer {
  const server = createServer({
    service: "identity",
    version,
    description: "Principals (users, AI agents, services), tokens, entitlements, credential vault, entity directory and audit log.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: identityAuthenticator(deps),
    middleware: [cookieParser()],
    ...(deps.config.joinNetwork ? { relay: identityNode(deps) } : {}),
    ...(deps.telemetry ? { telemetry: requestTelemetry(deps.telemetry) } : {}),
    routers: [
      wellKnownRouter(deps),
      authRouter(deps),
      usersRouter(deps),
      orgsRouter(deps),
      invitationsRouter(deps),
      agentsRouter(deps),
      apiKeysRouter(deps),
      entitlementsRouter(deps),
      vaultRouter(deps),
      entitiesRouter(deps),
      auditRouter(deps),
      keysRouter(deps),
    ],
  });
  const prune = setInterval(() => void pruneExpired(deps).catch((e: Error) => deps.logger.warn({ err: e.message }, "pruning expired tokens failed")), 10 * 60_000);
  prune.unref();
  if (deps.telemetry) attachTelemetry(server, deps.telemetry);
  server.onShutdown("housekeeping", () => {
    clearInterval(prune);
    deps.keys.stop();
  });
  return server;
}
