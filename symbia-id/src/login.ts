import { IdentityClient, type TokenSource } from "./client.js";
import type { TokenResponse } from "./schemas.js";

/** A self-refreshing token for a service or an agent. */
export interface LoginSession extends TokenSource {
  /** The principal the token stands for, from the last login. */
  principal(): TokenResponse["principal"] | undefined;
  /** `{ authorization: "Bearer …" }` for outgoing calls. */
  authHeaders(): Promise<Record<string, string>>;
}

function session(login: () => Promise<TokenResponse>): LoginSession {
  let current: { token: string; refreshAt: number; principal: TokenResponse["principal"] } | undefined;
  let pending: Promise<string> | undefined;
  const getToken = async () => {
    if (current && Date.now() < current.refreshAt) return current.token;
    pending ??= login()
      .then((res) => {
        // Log in again at 80 % of the lifetime: client-credentials tokens have no refresh token.
        current = { token: res.accessToken, refreshAt: Date.now() + res.expiresIn * 800, principal: res.principal };
        return res.accessToken;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  return {
    getToken,
    principal: () => current?.principal,
    async authHeaders() {
      return { authorization: `Bearer ${await getToken()}` };
    },
  };
}

/**
 * Client-credentials login of a platform service (`POST /api/auth/service-token`), renewed before
 * it expires. The first token is fetched lazily, so a service starts even while identity is down.
 */
export function loginAsService(options: { identityUrl: string; serviceId: string; secret: string }): LoginSession {
  const client = new IdentityClient(options.identityUrl);
  return session(() => client.serviceToken(options.serviceId, options.secret));
}

/** An agent's login with its secret (`POST /api/auth/agent-token`), renewed before it expires. */
export function loginAsAgent(options: { identityUrl: string; agentId: string; secret: string }): LoginSession {
  const client = new IdentityClient(options.identityUrl);
  return session(() => client.agentToken(options.agentId, options.secret));
}
