/**
 * Stand-in for identity's token verifier in the models service's tests — the one place to change
 * when `@symbia/id` exists: replace `testAuthenticate` with its verifier and mint real tokens for
 * the principals below.
 *
 * It fills the @symbia/http auth slot exactly as the verifier will: `Authorization: Bearer <token>`
 * → a Principal; an unknown bearer → AppError `unauthenticated` (401); no header → null (401 on
 * every route that requires authentication).
 */
import type { Authenticator } from "@symbia/http";
import { AppError, CAPABILITIES, type Principal } from "@symbia/sys";

/** Bearer token of a principal holding `cap:models.infer` and `cap:models.admin`. */
export const TEST_TOKEN = "test-models-admin-token";
/** Bearer token of a principal holding only `cap:models.infer`. */
export const INFER_ONLY_TOKEN = "test-models-infer-token";

const PRINCIPALS: Record<string, Principal> = {
  [TEST_TOKEN]: {
    id: "svc-models-test-admin",
    type: "service",
    entityId: "ent_models_test_admin",
    name: "models test admin",
    // A service principal: its capabilities hold platform-wide.
    orgs: [{ orgId: "org-test", entitlements: [] }],
    entitlements: [CAPABILITIES.models.infer, CAPABILITIES.models.admin],
    credential: { kind: "token" },
  },
  [INFER_ONLY_TOKEN]: {
    id: "agent-models-test",
    type: "agent",
    entityId: "ent_models_test_agent",
    name: "models test agent",
    // An agent: its capabilities are held in its org.
    orgs: [{ orgId: "org-test", entitlements: [CAPABILITIES.models.infer] }],
    entitlements: [],
    credential: { kind: "token" },
  },
};

/** The test authenticator: fixed bearer tokens → fixed principals. */
export const testAuthenticate: Authenticator = async (input) => {
  const header = input.headers.authorization;
  if (!header) return null;
  const principal = PRINCIPALS[header.replace(/^Bearer\s+/i, "")];
  if (!principal) throw new AppError("unauthenticated", "invalid token");
  return principal;
};
