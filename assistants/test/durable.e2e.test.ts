import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, type Database } from "@symbia/db";
import { dropSchema, testSchemaName } from "@symbia/db/testing";
import { createLogger } from "@symbia/http";
import { IdentityClient } from "@symbia/id";
import type { IdentityProcess } from "@symbia/id/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssistantRegistry } from "../src/assistants/assistants.service.js";
import { resolveAgentPrincipal } from "../src/catalog/catalog-loader.js";
import * as schema from "../src/db/schema.js";
import { migrationsDir } from "../src/deps.js";
import type { RunCheckpoint } from "../src/runs/runner.js";
import { call, makeOrg, startIdentity, type TestOrg } from "./fixture.js";
import { spawnIntegrations, spawnModels, spawnService, TEST_MODEL_SENTENCE, type ServiceProcess } from "./processes.js";

async function until<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, everyMs = 50): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// Two processes must share the database, so this runs on PostgreSQL only (pg-mem lives in one process).
const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)("durable runs: SIGKILL the assistants process mid-run, restart it", () => {
  let identity: IdentityProcess;
  let models: ServiceProcess;
  let integrations: ServiceProcess;
  let database: Database<typeof schema>;
  let org: TestOrg;
  let workspaces: string;
  const schemaName = testSchemaName("assistants");
  const agentId = `assistant:durable-${randomBytes(3).toString("hex")}`;
  const running: ServiceProcess[] = [];

  const startProcess = async (instance: string) => {
    const proc = await spawnService("assistants", {
      ASSISTANTS_PORT: "0", IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer, ASSISTANTS_SERVICE_SECRET: identity.serviceSecrets.assistants!,
      ASSISTANTS_DATABASE_URL: url!, ASSISTANTS_DB_SCHEMA: schemaName, INTEGRATIONS_SERVICE_URL: integrations.url, ASSISTANTS_CATALOG: "false", ASSISTANTS_RELAY: "false",
      ASSISTANTS_RUN_LEASE_MS: "1500", ASSISTANTS_RECOVERY_INTERVAL_MS: "500", ASSISTANTS_WORKSPACES_DIR: workspaces, ASSISTANTS_INSTANCE_ID: instance, ASSISTANTS_CLAIM_WINDOW_MS: "0",
    });
    running.push(proc);
    return proc;
  };
  const runRow = async (id: string) => (await database.db.select().from(schema.runs).where(eq(schema.runs.id, id)))[0]!;

  beforeAll(async () => {
    identity = await startIdentity();
    models = await spawnModels(identity);
    integrations = await spawnIntegrations(identity, models.url);
    workspaces = await mkdtemp(join(tmpdir(), "assistants-durable-ws-"));
    database = await createDatabase({ service: "assistants", schema, migrationsDir, config: { memory: false, url: url!, schemaName, poolMax: 2, connectRetryMs: 5_000 } });
    org = await makeOrg(identity);
    expect((await identity.call("/api/agents", { json: { agentId, name: "durable", capabilities: ["cap:messaging.send"] }, token: org.owner.token, orgId: org.orgId })).status).toBe(201);
    const registry = new AssistantRegistry({ database, logger: createLogger({ service: "assistants", level: "silent" }) });
    const identityClient = new IdentityClient(identity.url, identity.serviceLogin("assistants"));
    const body = {
      principal: { agentId, capabilities: [] },
      // The rules: a long model call whose answer is only kept (no reply streamed).
      rules: { rules: [{ id: "think", trigger: "message.received", actions: [{ type: "llm.invoke", params: { prompt: "{{message.content}}", respond: false, model: { model: "symbia-tiny-test-loop", maxTokens: 400 } } }] }] },
      // The graph: a long model call, then a short one that sees the first one's finish reason.
      promptGraph: {
        nodes: [
          { id: "long", type: "llm", config: { prompt: "{{input}}", respond: false, model: { model: "symbia-tiny-test-loop", maxTokens: 250 } } },
          { id: "short", type: "llm", config: { prompt: "after {{nodes.long.finishReason}}", respond: false, model: { model: "symbia-tiny-test", maxTokens: 64 } } },
        ],
        edges: [{ from: "long", to: "short" }],
      },
      model: { provider: "symbia-labs", model: "symbia-tiny-test" },
    };
    const loaded = await registry.install({ orgId: org.orgId, key: "assistants/durable", resourceId: randomUUID(), name: "durable", version: 1, digest: `sha256:${"0".repeat(63)}4`, body }, (id, orgId) =>
      resolveAgentPrincipal(identityClient, id, orgId, { name: "durable", capabilities: [] }, createLogger({ service: "assistants", level: "silent" })),
    );
    expect(loaded.status).toBe("active");
  }, 180_000);

  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL");
    await database?.close();
    if (url) await dropSchema(url, schemaName);
    await rm(workspaces, { recursive: true, force: true }).catch(() => undefined);
    await integrations?.stop();
    await models?.stop();
    await identity?.stop();
  });

  it("a prompt graph killed mid-node is resumed from its checkpoint by the next process; a rules run is failed with the reason", async () => {
    const first = await startProcess("first");
    const started = await call(`${first.url}/api/graphs/run`, { json: { assistant: "durable", input: "think for a while" }, token: org.owner.token });
    expect(started.status).toBe(201);
    const graphRunId: string = started.body.id;

    // A rules run too, from a message.new event as messaging's webhook delivers it.
    const messagingToken = await identity.serviceLogin("messaging").getToken();
    const message = {
      id: randomUUID(), conversationId: randomUUID(), orgId: org.orgId, sequence: 1, sender: { principalId: org.owner.id, principalType: "user", entityId: "ent_owner" }, clientId: null,
      content: "ponder", contentType: "text", replyTo: null, metadata: {}, priority: "normal", status: "complete", editedAt: null, deletedAt: null, traceId: null, createdAt: new Date().toISOString(),
    };
    const event = {
      id: `evt_${randomUUID()}`, type: "message.new", orgId: org.orgId, traceId: randomBytes(16).toString("hex"), principal: { id: org.owner.id, type: "user", entityId: "ent_owner" }, target: agentId,
      occurredAt: new Date().toISOString(), data: { conversation: { id: message.conversationId, type: "group", name: null }, message, respondent: { principalId: agentId, principalType: "agent" }, routed: false },
    };
    const delivered = await call(`${first.url}/api/webhooks/messaging`, { json: event, token: messagingToken });
    expect(delivered.status).toBe(202);
    expect(delivered.body.handled).toBe("started");
    const rulesRunId: string = delivered.body.runId;

    // Kill the process while the graph's first node and the rule's action are running.
    await until(async () => ((await runRow(graphRunId)).checkpoint as RunCheckpoint).graph?.nodes.long?.status === "running");
    await until(async () => (await runRow(rulesRunId)).status === "running");
    await first.stop("SIGKILL");
    expect((await runRow(graphRunId)).status).toBe("running");

    await startProcess("second");
    const graphRun = await until(async () => {
      const row = await runRow(graphRunId);
      return row.status !== "running" ? row : null;
    }, 200);
    expect(graphRun.status).toBe("completed");
    expect(graphRun.owner).toBe("second");
    expect(graphRun.resumedCount).toBe(1);
    const state = (graphRun.checkpoint as RunCheckpoint).graph!;
    expect(state.nodes.long!.starts).toBe(2);
    expect(state.nodes.short!.status).toBe("succeeded");
    expect((state.nodes.short!.output as { content: string }).content).toBe(TEST_MODEL_SENTENCE);
    const steps = await database.db.select().from(schema.runSteps).where(eq(schema.runSteps.runId, graphRunId));
    expect(steps.map((s) => `${s.path}:${s.status}`).sort()).toEqual(["node:long:succeeded", "node:short:succeeded"]);

    const rulesRun = await until(async () => {
      const row = await runRow(rulesRunId);
      return row.status !== "running" ? row : null;
    }, 200);
    expect(rulesRun.status).toBe("failed");
    expect(rulesRun.error).toMatchObject({ code: "interrupted" });
    expect(rulesRun.error!.message).toContain("the process running it stopped");
  });
});
