import { createServer, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import pkg from "../package.json" with { type: "json" };
import type { AssistantsDeps } from "./deps.js";
import { assistantsRouter, graphsRouter, rulesRouter } from "./assistants/assistants.routes.js";
import { webhooksRouter } from "./events/events.routes.js";
import { runsRouter } from "./runs/runs.routes.js";
import { workspacesRouter } from "./workspaces/workspaces.routes.js";

/** The assistants service: every feature router, identity's verifier in the auth slot, identity in readiness. */
export function createApp(deps: AssistantsDeps): SymbiaServer {
  const server = createServer({
    service: "assistants",
    version: pkg.version,
    description: "Assistants: rules and prompt graphs over conversation events, turn-taking, handoffs, durable runs and code tools in isolated workspaces.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: deps.authenticate,
    ...(deps.telemetry ? { telemetry: requestTelemetry(deps.telemetry) } : {}),
    readiness: {
      identity: async () => {
        const res = await fetch(`${deps.config.serviceUrls.identity}/health/live`, { signal: AbortSignal.timeout(1_500) });
        if (!res.ok) throw new Error(`identity answered ${res.status}`);
      },
    },
    tags: [
      { name: "assistants", description: "Loaded assistants" },
      { name: "runs", description: "Runs and their logs" },
      { name: "rules", description: "Rule-set dry runs" },
      { name: "graphs", description: "Prompt-graph validation and runs" },
      { name: "bus", description: "Messaging's webhook" },
      { name: "code-tools", description: "Workspaces and code tools" },
    ],
    routers: [assistantsRouter(deps), runsRouter(deps), rulesRouter(deps), graphsRouter(deps), webhooksRouter(deps), workspacesRouter(deps)],
    // The relay node starts after listen, leaves first at shutdown, and shows in /health/ready.
    ...(deps.relay ? { relay: deps.relay } : {}),
  });
  server.onShutdown("background work", () => deps.close());
  if (deps.telemetry) attachTelemetry(server, deps.telemetry);
  return server;
}
