import type { IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startAnthropicWire } from "./wire/anthropic.js";
import { startOpenAiWire } from "./wire/openai.js";
import type { WireServer } from "./wire/server.js";
import { call, chatBody, makeOrg, sseEvents, startGateway, startIdentity, streamExecute, type Gateway, type TestOrg } from "./fixture.js";

// Credentials from identity's vault (a real identity service): the acting principal's key, else
// the org's, else the service's env key; a credential's metadata.baseUrl picks its endpoint. The
// keys reach the provider (a local wire server) and nothing else: no response, no log, no ledger row.
let identity: IdentityProcess;
let gateway: Gateway;
let org: TestOrg;
let openai: WireServer;
let anthropic: WireServer;
let ownAnthropic: WireServer;

const ENV_KEY = "sk-env-openai-fallback-7777";
const MEMBER_KEY = "sk-member-own-key-5f3a9c1e22";
const ORG_KEY = "sk-org-wide-key-81b0d7aa44";
const MEMBER_ANTHROPIC_KEY = "sk-ant-member-own-9c7d1e";
const SECRETS = [MEMBER_KEY, ORG_KEY, MEMBER_ANTHROPIC_KEY];

beforeAll(async () => {
  [identity, openai, anthropic, ownAnthropic] = await Promise.all([startIdentity(), startOpenAiWire(), startAnthropicWire(), startAnthropicWire({ text: "from my own endpoint" })]);
  gateway = await startGateway(
    identity,
    {
      INTEGRATIONS_DEFAULT_PROVIDER: "openai",
      OPENAI_API_KEY: ENV_KEY,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: "sk-ant-env-0000000000",
      ANTHROPIC_BASE_URL: anthropic.url,
      INTEGRATIONS_CREDENTIAL_CACHE_MS: "0",
      INTEGRATIONS_MAX_RETRIES: "0",
    },
    { captureLogs: true },
  );
  org = await makeOrg(identity);
}, 90_000);
afterAll(async () => {
  await gateway?.close();
  await Promise.all([identity?.stop(), openai?.close(), anthropic?.close(), ownAnthropic?.close()]);
});
beforeEach(() => {
  for (const w of [openai, anthropic, ownAnthropic]) w.reset();
});

const responses: string[] = [];
async function execute(token: string, body: Record<string, unknown>) {
  const res = await call(`${gateway.base}/api/integrations/execute`, { token, json: body });
  responses.push(res.text, JSON.stringify([...res.headers.entries()]));
  return res;
}
const store = (token: string, body: Record<string, unknown>) => identity.call("/api/credentials", { token, orgId: org.orgId, json: { kind: "api_key", name: "key", ...body } });
const keyOf = (wire: WireServer) => String(wire.requests.at(-1)!.headers.authorization ?? wire.requests.at(-1)!.headers["x-api-key"]).replace(/^Bearer /, "");

describe("credentials from identity's vault", () => {
  it("uses the service's env key while the vault holds nothing for the principal or org", async () => {
    expect((await execute(org.member.token, chatBody())).status).toBe(200);
    expect(keyOf(openai)).toBe(ENV_KEY);
  });

  it("uses the principal's own credential, else the org-wide one", async () => {
    expect((await store(org.member.token, { provider: "openai", secret: MEMBER_KEY, scope: "user" })).status).toBe(201);
    expect((await store(org.owner.token, { provider: "openai", secret: ORG_KEY, scope: "org" })).status).toBe(201);
    expect((await execute(org.member.token, chatBody())).status).toBe(200);
    expect(keyOf(openai)).toBe(MEMBER_KEY);
    expect((await execute(org.owner.token, chatBody())).status).toBe(200);
    expect(keyOf(openai)).toBe(ORG_KEY);
    // A service acting for the member uses the member's key.
    const assistants = await identity.serviceLogin("assistants").getToken();
    expect((await execute(assistants, chatBody({ onBehalfOf: { principalId: org.member.id, orgId: org.orgId } }))).status).toBe(200);
    expect(keyOf(openai)).toBe(MEMBER_KEY);
  });

  it("sends a call to the credential's own base URL (metadata.baseUrl), streaming included", async () => {
    expect((await store(org.member.token, { provider: "anthropic", secret: MEMBER_ANTHROPIC_KEY, scope: "user", metadata: { baseUrl: ownAnthropic.url } })).status).toBe(201);
    const res = await streamExecute(gateway.base, org.member.token, chatBody({ provider: "anthropic" }));
    let text = "";
    for await (const e of sseEvents(res)) {
      responses.push(e.data);
      const chunk = JSON.parse(e.data);
      if (chunk.type === "delta") text += chunk.content ?? "";
    }
    expect(text).toBe("from my own endpoint");
    expect(anthropic.requests).toHaveLength(0);
    expect(keyOf(ownAnthropic)).toBe(MEMBER_ANTHROPIC_KEY);
  });

  it("keeps the key out of error responses and logs even when the provider echoes it", async () => {
    openai.plan({ status: 401, echoCredential: true, errorMessage: "Incorrect API key provided" }, { status: 500, echoCredential: true });
    const refused = await execute(org.member.token, chatBody({ fallback: [] }));
    expect(refused.status).toBe(502);
    expect(refused.body.error.message).toContain("[REDACTED]");
    const failed = await execute(org.member.token, chatBody({ fallback: [] }));
    expect(failed.status).toBe(502);
  });

  it("the vault's keys appear in no response, no log line and no ledger row", async () => {
    await gateway.flush();
    const ledger = await call(`${gateway.base}/api/usage/records?limit=500`, { token: org.owner.token });
    expect(ledger.body.items.length).toBeGreaterThanOrEqual(6);
    const logs = gateway.logs.join("\n");
    expect(logs).toContain('"provider call"'); // the capture works and saw the calls
    for (const secret of SECRETS) {
      for (const haystack of [responses.join("\n"), logs, JSON.stringify(ledger.body)]) {
        expect(haystack).not.toContain(secret);
        expect(haystack).not.toContain(secret.slice(0, 10));
      }
    }
  });
});
