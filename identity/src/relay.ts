import { connectRelay, type RelayClient, type RelayCredentials } from "@symbia/relay";
import type { IdentityDeps } from "./deps.js";
import { claimsFor, servicePrincipalId } from "./principals/principals.service.js";
import { issueAccessToken } from "./tokens/tokens.service.js";

/**
 * Identity's own service token, minted in-process: identity holds the signing keys, so it needs no
 * client secret to log in to itself. Renewed at 80 % of its lifetime.
 */
export function selfCredentials(deps: IdentityDeps): RelayCredentials {
  let current: { token: string; renewAt: number } | undefined;
  return {
    async getToken() {
      if (current && Date.now() < current.renewAt) return current.token;
      const access = issueAccessToken(deps, await claimsFor(deps, { type: "service", id: servicePrincipalId("identity") }));
      current = { token: access.token, renewAt: Date.now() + access.expiresIn * 800 };
      return access.token;
    },
  };
}

/**
 * Identity as a node of the network (`service:identity`, the first node: tier 0): joins
 * `NETWORK_SERVICE_URL` once identity listens, best effort (identity stays ready while the network
 * is down). Identity sends `identity.*` announcements under the default contract
 * `identity-announcements`; it handles no events yet.
 */
export function identityNode(deps: IdentityDeps): RelayClient {
  return connectRelay({
    networkUrl: deps.config.serviceUrls.network,
    nodeId: servicePrincipalId("identity"),
    type: "service",
    name: "Identity",
    credentials: selfCredentials(deps),
    capabilities: ["identity.entities", "identity.revocations"],
    logger: deps.logger,
    autoStart: false,
  });
}
