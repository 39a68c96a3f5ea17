// Cancellation by relay event (issue 6): `llm.run.cancel` from service:assistants, signed and
// checked by the real network service, aborts the run's provider stream in the event's org only.
import { spawnNetwork, type IdentityProcess, type ServiceProcess } from "@symbia/id/testing";
import { connectRelay, type RelayClient } from "@symbia/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAiWire } from "./wire/openai.js";
import type { WireServer } from "./wire/server.js";
import { call, chatBody, makeOrg, sseEvents, startGateway, startIdentity, streamExecute, waitFor, type Gateway, type TestOrg } from "./fixture.js";

let identity: IdentityProcess;
let network: ServiceProcess;
let gateway: Gateway;
let openai: WireServer;
let org: TestOrg;
let other: TestOrg;
let assistants: RelayClient;
const LONG = { text: "tick tock ", deltas: 5_000, delayMs: 10 };

beforeAll(async () => {
  [identity, openai] = await Promise.all([startIdentity(), startOpenAiWire()]);
  network = await spawnNetwork(identity);
  gateway = await startGateway(identity, {
    INTEGRATIONS_RELAY: "true",
    NETWORK_SERVICE_URL: network.url,
    INTEGRATIONS_DEFAULT_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-env-openai-0000000000",
    OPENAI_BASE_URL: `${openai.url}/v1`,
  });
  [org, other] = await Promise.all([makeOrg(identity), makeOrg(identity)]);
  assistants = connectRelay({ networkUrl: network.url, nodeId: "service:assistants", type: "service", name: "assistants", credentials: identity.serviceLogin("assistants") });
  await assistants.ready();
  await waitFor(async () => (await fetch(`${gateway.base}/health/ready`).then((r) => r.json())).relay?.registered === true, 15_000, "integrations on the relay");
}, 120_000);

afterAll(async () => {
  await assistants?.close();
  await gateway?.close();
  await network?.stop();
  await Promise.all([identity?.stop(), openai?.close()]);
});

describe("llm.run.cancel over the relay", () => {
  it("aborts the run's provider stream; the client gets done(cancelled) and the ledger says cancelled", async () => {
    openai.plan(LONG);
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ runId: "run-relay-cancel" }));
    const reader = sseEvents(res);
    await reader.next();
    const sent = await assistants.emit("llm.run.cancel", { runId: "run-relay-cancel", reason: "user pressed stop" }, { orgId: org.orgId, target: "service:integrations" });
    expect(sent).toMatchObject({ status: "delivered" });
    let last: any;
    for await (const e of reader) last = JSON.parse(e.data);
    expect(last).toMatchObject({ type: "done", finishReason: "cancelled" });
    await waitFor(() => openai.disconnects.length === 1, 2_000, "the provider to see the disconnect");
    await gateway.flush();
    const rows = await call(`${gateway.base}/api/usage/records?runId=run-relay-cancel`, { token: org.owner.token });
    expect(rows.body.items[0]).toMatchObject({ status: "cancelled" });
  });

  it("does not cancel another org's run with the same id, and refuses an event without a runId", async () => {
    openai.reset();
    openai.plan({ text: "a", deltas: 30, delayMs: 20 });
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ runId: "run-shared-id" }));
    const reader = sseEvents(res);
    await reader.next();
    const wrongOrg = await assistants.emit("llm.run.cancel", { runId: "run-shared-id" }, { orgId: other.orgId, target: "service:integrations" });
    expect(wrongOrg).toMatchObject({ status: "delivered" });
    const bad = await assistants.emit("llm.run.cancel", { reason: "no run" }, { orgId: org.orgId, target: "service:integrations" }).catch((e: Error) => e);
    expect(bad instanceof Error || !("status" in bad) || bad.status !== "delivered").toBe(true);
    let last: any;
    for await (const e of reader) last = JSON.parse(e.data);
    expect(last).toMatchObject({ type: "done", finishReason: "stop" });
  });
});
