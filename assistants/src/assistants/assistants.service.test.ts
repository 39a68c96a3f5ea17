import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@symbia/db/testing";
import { createLogger } from "@symbia/http";
import { describe, expect, it } from "vitest";
import * as schema from "../db/schema.js";
import { migrationsDir } from "../deps.js";
import { evaluateRuleSet, RuleEvent } from "../rules/index.js";
import { AssistantRegistry, compileAssistant } from "./assistants.service.js";

// The platform's bootstrap assistants live in catalog's bootstrap file (data, not code).
const bootstrap = JSON.parse(readFileSync(fileURLToPath(new URL("../../../catalog/bootstrap/platform.json", import.meta.url)), "utf8")) as { resources: Array<{ type: string; name: string; body: unknown }> };
const bootstrapAssistants = bootstrap.resources.filter((r) => r.type === "assistant");

const event = (content: string) => RuleEvent.parse({ event: { type: "message.received" }, message: { content, mentions: [] }, context: {} });

describe("compileAssistant", () => {
  it("accepts the bootstrap assistants: a general helper and the support specialist", () => {
    expect(bootstrapAssistants.map((a) => a.name).sort()).toEqual(["default", "support"]);
    for (const a of bootstrapAssistants) {
      const compiled = compileAssistant(a.body);
      expect(compiled.ok ? [] : compiled.issues).toEqual([]);
    }
  });

  it("routes the support specialist's messages by its rules", () => {
    const support = compileAssistant(bootstrapAssistants.find((a) => a.name === "support")!.body);
    if (!support.ok || !support.ruleSet) throw new Error("support does not compile");
    expect(evaluateRuleSet(support.ruleSet, event("Where is my REFUND?")).stoppedAt).toBe("billing");
    expect(evaluateRuleSet(support.ruleSet, event("can I talk to a human please")).stoppedAt).toBe("human");
    expect(evaluateRuleSet(support.ruleSet, event("my password does not work")).stoppedAt).toBe("support");
  });

  it("refuses rules and graphs that fail this service's validation, naming the path", () => {
    const base = { principal: { agentId: "assistant:x", capabilities: [] }, model: { provider: "symbia-labs", model: "symbia-tiny-test" } };
    const badRule = compileAssistant({ ...base, rules: { rules: [{ id: "r", trigger: "message.received", actions: [{ type: "message.send", params: { content: "{{llm.content}}" } }] }] } });
    expect(badRule.ok).toBe(false);
    if (!badRule.ok) expect(badRule.issues[0]).toMatchObject({ path: expect.stringMatching(/^rules\.rules\[0\]\.actions\[0\]/), code: "unknown_field_root" });
    const cycle = compileAssistant({ ...base, promptGraph: { nodes: [{ id: "a", type: "llm", config: { prompt: "x" } }, { id: "b", type: "llm", config: { prompt: "y" } }], edges: [{ from: "a", to: "b" }, { from: "b", to: "a" }] } });
    expect(cycle.ok).toBe(false);
    if (!cycle.ok) expect(cycle.issues.some((i) => i.path.startsWith("promptGraph."))).toBe(true);
    const shape = compileAssistant({ principal: { agentId: "Not Valid" }, model: base.model, rules: { rules: [] } });
    expect(shape.ok).toBe(false);
  });
});

describe("AssistantRegistry.install", () => {
  it("a newer version replaces the loaded one; an invalid newer version is logged and never replaces a valid one", async () => {
    const database = await createTestDatabase({ service: "assistants", schema, migrationsDir });
    try {
      const registry = new AssistantRegistry({ database, logger: createLogger({ service: "assistants", level: "silent" }) });
      const helper = bootstrapAssistants.find((a) => a.name === "default")!.body as Record<string, unknown>;
      const source = { orgId: "org-1", key: "assistants/default", resourceId: "00000000-0000-4000-8000-000000000001", name: "default", digest: `sha256:${"a".repeat(64)}` };
      const agent = async () => ({ entityId: "ent_agent" });
      expect((await registry.install({ ...source, version: 1, body: helper }, agent)).status).toBe("active");
      expect((await registry.install({ ...source, version: 2, digest: `sha256:${"b".repeat(64)}`, body: { ...helper, alias: "@helper" } }, agent)).alias).toBe("@helper");
      const invalid = await registry.install({ ...source, version: 3, digest: `sha256:${"c".repeat(64)}`, body: { ...helper, rules: { rules: [{ id: "r", trigger: "message.received", actions: [{ type: "nope" }] }] } } }, agent);
      expect(invalid.version).toBe(2);
      expect(invalid.status).toBe("active");
      expect((await registry.install({ ...source, version: 4, digest: `sha256:${"d".repeat(64)}`, body: helper }, async () => null)).status).toBe("no_agent");
      const fresh = new AssistantRegistry({ database, logger: createLogger({ service: "assistants", level: "silent" }) });
      await fresh.refresh();
      expect(fresh.find("org-1", "@assistant")?.version).toBe(4);
      expect(fresh.find("org-2", "assistants/default")).toBeUndefined();
    } finally {
      await database.close();
    }
  });
});
