import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type IdentityProcess, type ServiceProcess, TEST_PASSWORD, type TestUser, spawnIdentity, spawnService } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/symbia.mjs", import.meta.url));

describe("symbia assistants against a real assistants service", () => {
  let identity: IdentityProcess;
  let assistants: ServiceProcess;
  let user: TestUser;
  let dir: string;

  function symbia(args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        env: { PATH: process.env.PATH ?? "", SYMBIA_CONFIG_DIR: dir, IDENTITY_SERVICE_URL: identity.url, ASSISTANTS_SERVICE_URL: assistants.url },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += String(d)));
      child.stderr.on("data", (d) => (stderr += String(d)));
      child.stdin.end(stdin);
      child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    identity = await spawnIdentity();
    await identity.registerUser({ orgName: "Platform" });
    user = await identity.registerUser({ orgName: "CLI assistants" });
    dir = await mkdtemp(join(tmpdir(), "symbia-cli-assistants-"));
    assistants = await spawnService(identity, "assistants", { ASSISTANTS_CATALOG: "false", ASSISTANTS_RELAY: "false", TELEMETRY_ENABLED: "false", ASSISTANTS_WORKSPACES_DIR: join(dir, "workspaces") });
    expect((await symbia(["login", "--email", user.email, "--password-stdin"], TEST_PASSWORD)).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await assistants?.stop();
    await identity?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("test-rules prints the real rule engine's verdict with its justification tree", async () => {
    const rules = join(dir, "rules.json");
    const event = join(dir, "event.json");
    await writeFile(rules, JSON.stringify({
      rules: [
        { id: "billing", trigger: "message.received", priority: 10, conditions: { field: "message.content", operator: "contains", value: "refund", ignoreCase: true }, actions: [{ type: "message.send", params: { content: "Billing here." } }] },
        { id: "greet", trigger: "conversation.created", actions: [{ type: "message.send", params: { content: "Hello" } }] },
      ],
    }));
    await writeFile(event, JSON.stringify({ event: { type: "message.received" }, message: { content: "I want a REFUND" } }));
    const res = await symbia(["assistants", "test-rules", rules, "--event", event]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split("\n");
    expect(lines[0]).toBe("trigger message.received");
    expect(lines[1]).toBe("✓ billing [priority 10] matched, evaluation stops here");
    expect(lines[2]).toMatch(/^ {4}✓ message\.content contains "refund" \(actual "I want a REFUND"\)/);
    expect(lines).toContain("- greet [priority 0] skipped (after match)");
    expect(lines.at(-1)).toBe("actions: billing:message.send");
    const json = await symbia(["-o", "json", "assistants", "test-rules", rules, "--event", event]);
    expect(JSON.parse(json.stdout).matched).toEqual(["billing"]);
  });

  it("exits 8 for an invalid rule set (the service's validation) and names the path", async () => {
    const rules = join(dir, "bad-rules.json");
    const event = join(dir, "event2.json");
    await writeFile(rules, JSON.stringify({ rules: [{ id: "x", trigger: "message.received", conditions: { field: "message.content", operator: "resembles", value: "a" }, actions: [] }] }));
    await writeFile(event, JSON.stringify({ event: { type: "message.received" } }));
    const res = await symbia(["assistants", "test-rules", rules, "--event", event]);
    expect(res.code).toBe(8);
    expect(res.stderr).toMatch(/ruleSet|operator/);
  });

  it("lists assistants and runs (none here), and exits 5 for an unknown run", async () => {
    const list = await symbia(["-o", "json", "assistants", "list"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const runs = await symbia(["-o", "json", "assistants", "runs", "--status", "failed", "--assistant", "assistants/default", "--conversation", "c1"]);
    expect(runs.code).toBe(0);
    expect(JSON.parse(runs.stdout)).toEqual([]);
    expect((await symbia(["assistants", "run", "run_00000000-0000-4000-8000-000000000000"])).code).toBe(5);
    expect((await symbia(["assistants", "get", "assistants/nothing"])).code).toBe(5);
  });
});
