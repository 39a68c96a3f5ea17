import type { Logger } from "@symbia/http";
import type { TokenSource } from "@symbia/id";
import { connectRelay, defineHandler, type RelayClient } from "@symbia/relay";
import { z } from "zod";
import { cancelRun } from "../execute/execute.service.js";
import type { GatewayDeps } from "../execute/gateway.js";

/** Event types integrations takes over the relay: stop every call of a run. */
export const RUN_CONTROL_EVENTS = ["llm.run.cancel", "llm.run.preempt"] as const;

/** `data` of `llm.run.cancel` / `llm.run.preempt`: the run whose calls stop, and why (logged). */
export const RunControlData = z.object({ runId: z.string().min(1).max(200), reason: z.string().max(500).optional() }).strict();

/** Options of {@link integrationsRelay}. */
export interface IntegrationsRelayOptions {
  networkUrl: string;
  /** Integrations' service login: the node's credentials (node id `service:integrations`). */
  credentials: TokenSource;
  logger: Logger;
}

/**
 * Integrations as the network node `service:integrations`: `llm.run.cancel` and `llm.run.preempt`
 * (allowed by the platform contract `assistants-to-integrations`) abort every call of the run in
 * the envelope's org — the same `cancelRun` as `POST /api/integrations/runs/:runId/cancel`. The
 * client verifies each delivery's signature and drops replays before a handler runs. The node
 * starts after listen and leaves first at shutdown (`createServer({relay})`).
 */
export function integrationsRelay(deps: Pick<GatewayDeps, "runs" | "logger">, options: IntegrationsRelayOptions): RelayClient {
  const handler = defineHandler(RunControlData, (event) => {
    const cancelled = cancelRun(deps, event.data.runId, { orgId: event.orgId });
    deps.logger.info({ runId: event.data.runId, orgId: event.orgId, source: event.source, type: event.type, reason: event.data.reason, cancelled }, "run stopped by a relay event");
  });
  return connectRelay({
    networkUrl: options.networkUrl,
    nodeId: "service:integrations",
    type: "service",
    name: "integrations",
    credentials: options.credentials,
    capabilities: [...RUN_CONTROL_EVENTS],
    handlers: Object.fromEntries(RUN_CONTROL_EVENTS.map((type) => [type, handler])),
    logger: options.logger,
    autoStart: false,
  });
}
