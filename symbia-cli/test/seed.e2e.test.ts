import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSeed } from "@symbia/seed";
import { spawnSeedStack, type SeedStack } from "@symbia/seed/testing";
import { TEST_PASSWORD } from "@symbia/id/testing";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/symbia.mjs", import.meta.url));
let stack: SeedStack;
let configDir: string;

/** Runs the real `symbia` binary against the stack; resolves with its exit code and output. */
function symbia(args: string[], stdin?: string, env: Record<string, string> = stack.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? "", SYMBIA_CONFIG_DIR: configDir, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.stdin.end(stdin ?? "");
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  stack = await spawnSeedStack();
  configDir = await mkdtemp(join(tmpdir(), "symbia-cli-seed-"));
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await rm(configDir, { recursive: true, force: true });
});

describe("symbia seed against real identity, network, messaging and catalog", () => {
  it("shows the plan with --dry-run without any service or login, the same for the same seed", async () => {
    const down = { IDENTITY_SERVICE_URL: "http://127.0.0.1:9" };
    const a = await symbia(["-o", "json", "seed", "--seed", "42", "--dry-run"], undefined, down);
    const b = await symbia(["-o", "json", "seed", "--seed", "42", "--dry-run"], undefined, down);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(JSON.stringify(generateSeed(42))));
    const table = await symbia(["seed", "--seed", "42", "--dry-run", "--users", "1"], undefined, down);
    expect(table.stdout).toContain("assistants/default");
    expect(table.stdout).toContain("seed-42-m3");
  });

  it("exits 2 for a bad seed number and 3 before login", async () => {
    expect((await symbia(["seed", "--seed", "-1"])).code).toBe(2);
    expect((await symbia(["seed", "--seed", "4x", "--dry-run"])).code).toBe(2);
    expect((await symbia(["seed"])).code).toBe(2);
    const res = await symbia(["seed", "--seed", "42"]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/not logged in/);
  });

  it("creates the demo data, then reports the same ids as already there on a second run", async () => {
    expect((await symbia(["login", "--email", stack.admin.email, "--password-stdin"], TEST_PASSWORD)).code).toBe(0);
    const first = await symbia(["-o", "json", "seed", "--seed", "42", "--users", "2"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.created).toBeGreaterThan(10);
    const again = await symbia(["-o", "yaml", "seed", "--seed", "42", "--users", "2"]);
    expect(again.code).toBe(0);
    const second = parse(again.stdout);
    expect(second.created).toBe(0);
    expect(second.entries.map((e: { kind: string; key: string; id: string }) => [e.kind, e.key, e.id])).toEqual(report.entries.map((e: { kind: string; key: string; id: string }) => [e.kind, e.key, e.id]));
    const table = await symbia(["seed", "--seed", "42", "--users", "2"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(generateSeed(42).org.slug);
    expect(table.stderr).toMatch(/0 created/);
  });

  it("exits 6 when the seed's org slug belongs to another tenant, and 7 when a service is down", async () => {
    const plan = generateSeed(8, { users: 0 });
    const squatter = await stack.identity.registerUser({ orgName: null });
    expect((await stack.identity.call("/api/orgs", { token: squatter.token, json: { name: "Theirs", slug: plan.org.slug } })).status).toBe(201);
    const taken = await symbia(["seed", "--seed", "8", "--users", "0"]);
    expect(taken.code).toBe(6);
    const down = await symbia(["seed", "--seed", "42", "--users", "2"], undefined, { ...stack.env, MESSAGING_SERVICE_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(7);
    expect(down.stderr).toMatch(/is the stack running/);
  });
});

describe("symbia assistants (the assistants service is not part of this stack)", () => {
  it("exits 7 with a hint when the assistants service is unreachable, 8 for an unreadable rules file, 2 for a missing argument", async () => {
    const env = { ...stack.env, ASSISTANTS_SERVICE_URL: "http://127.0.0.1:9" };
    const list = await symbia(["assistants", "list"], undefined, env);
    expect(list.code).toBe(7);
    expect(list.stderr).toMatch(/assistants is unreachable .* is the stack running/);
    expect((await symbia(["assistants", "test-rules", "/nonexistent/rules.json", "--event", "/nonexistent/event.json"], undefined, env)).code).toBe(8);
    expect((await symbia(["assistants", "run"], undefined, env)).code).toBe(2);
    expect((await symbia(["assistants", "test-rules", "/nonexistent/rules.json"], undefined, env)).code).toBe(2);
  });
});
