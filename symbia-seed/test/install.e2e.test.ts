import { isAppError } from "@symbia/sys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installAssistants } from "../src/index.js";
import { spawnSeedStack, type SeedStack } from "../src/testing.js";

// installAssistants against real identity and catalog (with its bootstrap assistants).
let stack: SeedStack;

beforeAll(async () => {
  stack = await spawnSeedStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("installAssistants", () => {
  it("registers an agent of the org for each platform assistant, with its declared capabilities; a second run changes nothing", async () => {
    const owner = await stack.identity.registerUser({ orgName: "Install Org" });
    const options = { identityUrl: stack.identity.url, catalogUrl: stack.catalog.url, token: owner.token, orgId: owner.orgId, keys: ["assistants/default", "assistants/router"] };
    const first = await installAssistants(options);
    const org = await stack.identity.call(`/api/orgs/${owner.orgId}`, { token: owner.token, orgId: owner.orgId });
    expect(first.map((a) => [a.key, a.agentId, a.status])).toEqual([
      ["assistants/default", `assistant:${org.body.slug}:default`, "created"],
      ["assistants/router", `assistant:${org.body.slug}:router`, "created"],
    ]);
    const agent = await stack.identity.call(`/api/agents/${encodeURIComponent(first[0]!.agentId)}`, { token: owner.token, orgId: owner.orgId });
    expect(agent.status).toBe(200);
    expect(agent.body.capabilities).toEqual(expect.arrayContaining(["cap:messaging.send", "cap:integrations.execute"]));
    const again = await installAssistants(options);
    expect(again.map((a) => a.status)).toEqual(["exists", "exists"]);
    expect(again.map((a) => a.agentId)).toEqual(first.map((a) => a.agentId));
  });

  it("refuses an unknown key with not_found and installs nothing into another org", async () => {
    const owner = await stack.identity.registerUser({ orgName: "Careful Org" });
    const other = await stack.identity.registerUser({ orgName: "Victim Org" });
    const unknown = await installAssistants({ identityUrl: stack.identity.url, catalogUrl: stack.catalog.url, token: owner.token, orgId: owner.orgId, keys: ["assistants/nope"] }).catch((e: unknown) => e);
    expect(isAppError(unknown) && unknown.code).toBe("not_found");
    const foreign = await installAssistants({ identityUrl: stack.identity.url, catalogUrl: stack.catalog.url, token: owner.token, orgId: other.orgId, keys: ["assistants/default"] }).catch((e: unknown) => e);
    expect(isAppError(foreign)).toBe(true);
    const agents = await stack.identity.call("/api/agents", { token: other.token, orgId: other.orgId });
    expect(agents.body.items).toEqual([]);
  });
});
