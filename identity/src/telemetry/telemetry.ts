import { createServiceTelemetry, type LoggingClient, type TokenSource } from "@symbia/logging-client";
import type { Logger } from "@symbia/http";
import type { IdentityConfig } from "../config.js";
import type { IdentityDeps } from "../deps.js";
import { claimsFor, servicePrincipalId } from "../principals/principals.service.js";
import { issueAccessToken } from "../tokens/tokens.service.js";

/**
 * Identity's own service-principal token (`service:identity`), signed in-process: identity is the
 * issuer, so it needs no client-credentials round trip to itself. Renewed at 80 % of its lifetime.
 * `deps` is read lazily: the logger (built before the signing keys) already holds the client.
 */
export function selfServiceToken(deps: () => IdentityDeps): TokenSource {
  let cached: { token: string; renewAt: number } | undefined;
  return {
    async getToken() {
      if (cached && Date.now() < cached.renewAt) return cached.token;
      const d = deps();
      const access = issueAccessToken(d, await claimsFor(d, { type: "service", id: servicePrincipalId("identity") }));
      cached = { token: access.token, renewAt: Date.now() + access.expiresIn * 800 };
      return cached.token;
    },
  };
}

/** The logging client identity ships its request spans and warn+ log lines through, when enabled. */
export function identityTelemetry(config: IdentityConfig, auth: TokenSource, report: Logger): LoggingClient | undefined {
  return createServiceTelemetry({ service: "identity", env: config.env, config: config.telemetry, auth, report });
}
