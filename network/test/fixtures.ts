import { createEnvelope, type Contract, type Policy, type UnsignedEnvelope } from "@symbia/relay";

/** A fixed instant the domain tests run at. */
export const NOW = Date.parse("2025-06-01T12:00:00.000Z");

let sequence = 0;

/** A contract with sensible defaults (org-1, intra, every type). */
export function contract(overrides: Partial<Contract> & Pick<Contract, "from" | "to">): Contract {
  sequence += 1;
  return {
    id: `ctr_${String(sequence).padStart(4, "0")}`,
    orgId: "org-1",
    origin: "api",
    name: null,
    allowedEventTypes: ["*"],
    boundaries: ["intra"],
    expiresAt: null,
    description: null,
    createdBy: null,
    createdAt: new Date(NOW - 60_000).toISOString(),
    ...overrides,
  };
}

/** A policy with sensible defaults (org-1, priority 0, no conditions). */
export function policy(overrides: Partial<Policy> & Pick<Policy, "action">): Policy {
  sequence += 1;
  return {
    id: `pol_${String(sequence).padStart(4, "0")}`,
    orgId: "org-1",
    name: `policy ${sequence}`,
    description: null,
    priority: 0,
    enabled: true,
    conditions: [],
    createdBy: null,
    createdAt: new Date(NOW - 60_000 + sequence).toISOString(),
    updatedAt: new Date(NOW - 60_000 + sequence).toISOString(),
    ...overrides,
  };
}

/** An event from `service:messaging` to `service:assistants` in org-1. */
export function event(overrides: Partial<UnsignedEnvelope> = {}): UnsignedEnvelope {
  return createEnvelope(
    {
      type: "message.new",
      source: "service:messaging",
      target: "service:assistants",
      runId: "run-1",
      traceId: "0af7651916cd43dd8448eb211c80319c",
      orgId: "org-1",
      boundary: "intra",
      principal: { id: "usr-1", type: "user", entityId: "ent_user1" },
      data: { text: "hello", customer: { email: "ann@example.com" } },
      ...overrides,
    },
    new Date(NOW),
  );
}
