import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnIdentity, TEST_PASSWORD, type IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/symbia.mjs", import.meta.url));
let identity: IdentityProcess;
let configDir: string;
let user: Awaited<ReturnType<IdentityProcess["registerUser"]>>;

/** Runs the real `symbia` binary; resolves with its exit code and output. */
function symbia(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? "", SYMBIA_CONFIG_DIR: configDir, IDENTITY_SERVICE_URL: identity.url },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.stdin.end(stdin ?? "");
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  identity = await spawnIdentity();
  configDir = await mkdtemp(join(tmpdir(), "symbia-cli-"));
  await identity.registerUser(); // super admin
  user = await identity.registerUser({ orgName: "CLI Org" });
}, 60_000);
afterAll(async () => {
  await identity?.stop();
  await rm(configDir, { recursive: true, force: true });
});

describe("symbia CLI against a real identity", () => {
  it("refuses commands before login with exit code 3 and a hint", async () => {
    const res = await symbia(["whoami"]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/not logged in — run `symbia login`/);
  });

  it("exits 3 for a wrong password and 2 for a usage error", async () => {
    expect((await symbia(["login", "--email", user.email, "--password-stdin"], "Wrong-password-123")).code).toBe(3);
    expect((await symbia(["orgs", "frobnicate"])).code).toBe(2);
    expect((await symbia(["-o", "xml", "whoami"])).code).toBe(2);
  });

  it("logs in, stores credentials with mode 0600, and answers whoami as JSON", async () => {
    const login = await symbia(["login", "--email", user.email, "--password-stdin"], TEST_PASSWORD);
    expect(login.code).toBe(0);
    expect((await stat(join(configDir, "credentials.json"))).mode & 0o777).toBe(0o600);
    const me = await symbia(["-o", "json", "whoami"]);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ email: user.email, type: "user" });
  });

  it("lists orgs, creates an API key and registers an agent in the selected org", async () => {
    const orgs = await symbia(["-o", "json", "orgs", "list"]);
    expect(JSON.parse(orgs.stdout).map((o: { name: string }) => o.name)).toEqual(["CLI Org"]);
    const key = await symbia(["-o", "json", "keys", "create", "ci", "--scope", "cap:messaging.read"]);
    expect(key.code).toBe(0);
    expect(JSON.parse(key.stdout).key).toMatch(/^sk_/);
    const agent = await symbia(["-o", "yaml", "agents", "register", "assistant:cli", "--name", "CLI helper", "--cap", "cap:messaging.send"]);
    expect(agent.code).toBe(0);
    expect(agent.stdout).toMatch(/agentId: assistant:cli/);
    const list = await symbia(["agents", "list"]);
    expect(list.stdout).toContain("assistant:cli");
  });

  it("exits 4 when not entitled and 5 for an unknown org", async () => {
    expect((await symbia(["keys", "create", "x", "--scope", "cap:identity.credentials.read"])).code).toBe(4);
    expect((await symbia(["--org", "00000000-0000-4000-8000-000000000000", "members", "list"])).code).toBe(5);
  });

  it("logs out and forgets the credentials", async () => {
    expect((await symbia(["logout"])).code).toBe(0);
    expect((await symbia(["whoami"])).code).toBe(3);
  });
});
