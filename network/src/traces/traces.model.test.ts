import { deriveNodeKey, ReplayCache, signEnvelope, verifyEnvelope } from "@symbia/relay";
import { describe, expect, it } from "vitest";
import { contract, event, NOW, policy } from "../../test/fixtures.js";
import { decide } from "../sdn/decide.js";
import { staticDirectory } from "../sdn/directory.js";
import { statusOfDecision, TraceRecorder, traceOfRejection } from "./traces.model.js";

const directory = staticDirectory([
  { id: "service:messaging", type: "service", orgId: null },
  { id: "service:assistants", type: "service", orgId: null },
]);
const allowChat = contract({ from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.*"] });
const at = new Date(NOW);

describe("TraceRecorder", () => {
  it("turns a decision path into hops at the network node, timed by the steps", () => {
    let tick = 0;
    const log = policy({ action: { type: "log", level: "info" } });
    const decision = decide({ event: event(), contracts: [allowChat], policies: [log], directory, now: NOW, clock: () => (tick += 2) });
    const trace = new TraceRecorder(event(), { networkNode: "network", now: () => at })
      .hop({ action: "receive", node: "service:messaging", at })
      .hop({ action: "verify", at, durationMs: 0.1 })
      .addDecision(decision, at)
      .hop({ action: "deliver", node: "service:assistants", at: new Date(NOW + 4), durationMs: 3 })
      .finish("delivered", { deliveredTo: decision.targets });
    expect(trace.hops).toEqual([
      { node: "service:messaging", at: at.toISOString(), durationMs: 0, action: "receive" },
      { node: "network", at: at.toISOString(), durationMs: 0.1, action: "verify" },
      { node: "network", at: at.toISOString(), durationMs: 2, action: "log", policyId: log.id, outcome: "logged", detail: expect.stringContaining("info:") },
      { node: "network", at: new Date(NOW + 2).toISOString(), durationMs: 2, action: "contract", outcome: "contract_found" },
      { node: "service:assistants", at: new Date(NOW + 4).toISOString(), durationMs: 3, action: "deliver" },
    ]);
    expect(trace).toMatchObject({ status: "delivered", deliveredTo: ["service:assistants"], reasonCode: null, target: "service:assistants", runId: "run-1", orgId: "org-1" });
  });

  it("settles denied and unrouted from the decision, and leaves deliver to delivery", () => {
    const denied = decide({ event: event(), contracts: [], policies: [], directory, now: NOW });
    expect(statusOfDecision(denied)).toBe("denied");
    const trace = new TraceRecorder(event(), { networkNode: "network", now: () => at }).addDecision(denied, at).finish(statusOfDecision(denied)!, denied);
    expect(trace).toMatchObject({ status: "denied", reasonCode: "no_contract", reason: "no contract from service:messaging to service:assistants", deliveredTo: [] });
    expect(trace.hops.at(-1)).toMatchObject({ action: "contract", outcome: "no_contract" });
    expect(statusOfDecision(decide({ event: event({ target: "ent_nobody" }), contracts: [], policies: [], directory, now: NOW }))).toBe("unrouted");
    expect(statusOfDecision(decide({ event: event(), contracts: [allowChat], policies: [], directory, now: NOW }))).toBeNull();
  });
});

describe("traceOfRejection", () => {
  const key = deriveNodeKey("a-network-secret-of-at-least-thirty-two-bytes!", "service:messaging");
  const otherKey = deriveNodeKey("a-network-secret-of-at-least-thirty-two-bytes!", "service:assistants");
  const verify = (input: unknown, cache = new ReplayCache()) => verifyEnvelope(input, { key, replayCache: cache, now: NOW });

  it("records each refused event as dropped with the verification reason", () => {
    const signed = signEnvelope(event(), key);
    const cache = new ReplayCache();
    verify(signed, cache);
    const cases = {
      bad_signature: verify({ ...signed, data: { text: "hellp", customer: { email: "ann@example.com" } } }),
      bad_signature_other_key: verify(signEnvelope(event(), otherKey)),
      replayed: verify(signed, cache),
      expired: verify(signEnvelope(event({ timestamp: new Date(NOW - 120_000).toISOString() }), key)),
    };
    const reasons = Object.fromEntries(
      Object.entries(cases).map(([name, result]) => {
        if (result.ok) throw new Error(`${name} was accepted`);
        const trace = traceOfRejection(result, { networkNode: "network", now: () => at });
        expect(trace?.status, name).toBe("dropped");
        expect(trace?.hops.map((h) => h.action), name).toEqual(["receive", "drop"]);
        return [name, trace?.reasonCode];
      }),
    );
    expect(reasons).toEqual({ bad_signature: "bad_signature", bad_signature_other_key: "bad_signature", replayed: "replayed", expired: "expired" });
  });

  it("gives no trace for an envelope too malformed to name an event", () => {
    const result = verify({ nonsense: true });
    expect(!result.ok && traceOfRejection(result, { networkNode: "network" })).toBeNull();
  });
});
