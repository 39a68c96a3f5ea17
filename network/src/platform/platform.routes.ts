import { defineRouter } from "@symbia/http";
import { PlatformHealth } from "@symbia/relay";
import { CAPABILITIES } from "@symbia/sys";
import type { NetworkDeps } from "../deps.js";
import { platformHealth } from "./platform.service.js";

/** `/api/platform`: the platform seen from the network. */
export function platformRouter(deps: NetworkDeps) {
  const router = defineRouter({ basePath: "/api/platform", tag: "platform", description: "The health of every platform service in one answer." });
  router.get("/health", { summary: "Readiness of every platform service and its node", response: PlatformHealth, entitlement: CAPABILITIES.network.topologyRead }, () => platformHealth(deps));
  return router;
}
