import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "@symbia/sys";
import { toolEffectsFromCodeTools } from "../actions/effects.js";
import { executeActions } from "../actions/executor.js";
import { validateActions } from "../actions/validate.js";
import { recordingEffects } from "../../test/recording-effects.js";
import { createCodeTools, type CodeTools, type ToolAuditRecord, type Workspace } from "./index.js";

// These tests build real sandboxes (namespaces, a per-workspace uid, rlimits): they need root,
// as the service does. Every escape below is attempted for real and must be contained.

let root: string;
let tools: CodeTools;
let noBash: CodeTools;
let ws: Workspace;
const audits: ToolAuditRecord[] = [];
const hostSecret = `host-secret-${randomBytes(8).toString("hex")}`;
const envSecret = `env-secret-${randomBytes(8).toString("hex")}`;
let hostDir: string;

async function expectRefused(promise: Promise<unknown>, code: string, reason?: string) {
  try {
    await promise;
    expect.unreachable("the call should have been refused");
  } catch (error) {
    expect(isAppError(error), String(error)).toBe(true);
    if (isAppError(error)) {
      expect(error.code).toBe(code);
      if (reason) expect((error.details as { reason?: string }).reason).toBe(reason);
    }
  }
}

/** Host pids whose real uid is `uid`. */
async function processesOf(uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = await readFile(`/proc/${name}/status`, "utf8");
      const line = /^Uid:\s+(\d+)/m.exec(status);
      if (line && Number(line[1]) === uid) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const bash = (command: string, workspace = ws) => tools.invoke(workspace.id, { tool: "bash", args: { command } });

beforeAll(async () => {
  process.env["SYMBIA_TEST_SECRET"] = envSecret;
  root = await mkdtemp(join(tmpdir(), "symbia-ws-"));
  hostDir = await mkdtemp(join(tmpdir(), "symbia-host-"));
  await writeFile(join(hostDir, "secret.txt"), hostSecret);
  tools = await createCodeTools({
    workspacesDir: join(root, "workspaces"),
    bashEnabled: true,
    limits: { cpuSeconds: 2, wallTimeMs: 4_000, maxProcesses: 32, maxOutputBytes: 64 * 1024, memoryBytes: 256 * 1024 * 1024, maxFileBytes: 1024 * 1024 },
    onAudit: (record) => void audits.push(record),
  });
  noBash = await createCodeTools({ workspacesDir: join(root, "workspaces") });
  ws = await tools.createWorkspace({ label: "test", actor: { principalId: "ent_test" } });
});

afterAll(async () => {
  delete process.env["SYMBIA_TEST_SECRET"];
  await rm(root, { recursive: true, force: true });
  await rm(hostDir, { recursive: true, force: true });
});

describe("workspaces", () => {
  it("creates a 0700 folder owned by the workspace's own uid and audits it", async () => {
    const info = await stat(ws.dir);
    expect(info.mode & 0o777).toBe(0o700);
    expect(info.uid).toBe(ws.uid);
    expect(ws.uid).not.toBe(0);
    expect(audits.find((a) => a.tool === "workspace.create")).toMatchObject({ workspaceId: ws.id, outcome: "ok", actor: { principalId: "ent_test" } });
  });

  it("gives each workspace a different uid and hides the others", async () => {
    const other = await tools.createWorkspace();
    expect(other.uid).not.toBe(ws.uid);
    await tools.invoke(ws.id, { tool: "file.write", args: { path: "mine.txt", content: "A" } });
    const seen = await bash("ls -a /workspace; ls / ", other);
    expect(seen.output.stdout).not.toContain("mine.txt");
    await tools.destroyWorkspace(other.id);
  });

  it("destroy removes the folder; the id is then unknown", async () => {
    const doomed = await tools.createWorkspace();
    await tools.invoke(doomed.id, { tool: "file.write", args: { path: "x/y.txt", content: "y" } });
    await tools.destroyWorkspace(doomed.id);
    expect(existsSync(doomed.dir)).toBe(false);
    await expectRefused(tools.invoke(doomed.id, { tool: "file.list", args: {} }), "not_found");
    await expectRefused(tools.invoke("../../etc", { tool: "file.list", args: {} }), "not_found");
  });
});

describe("file tools", () => {
  it("write, read, list and search inside the workspace, each audited", async () => {
    const before = audits.length;
    const written = await tools.invoke(ws.id, { tool: "file.write", args: { path: "src/notes.md", content: "alpha\nTODO beta\ngamma TODO" } });
    expect(written.output).toEqual({ path: "src/notes.md", bytesWritten: 26 });
    expect(written.audit).toMatchObject({ tool: "file.write", outcome: "ok", args: { path: "src/notes.md", contentLength: 26 } });
    const read = await tools.invoke(ws.id, { tool: "file.read", args: { path: "src/notes.md" } });
    expect(read.output).toEqual({ path: "src/notes.md", content: "alpha\nTODO beta\ngamma TODO", encoding: "utf8", size: 26, truncated: false });
    const partial = await tools.invoke(ws.id, { tool: "file.read", args: { path: "src/notes.md", maxBytes: 5, encoding: "base64" } });
    expect(partial.output).toMatchObject({ content: Buffer.from("alpha").toString("base64"), truncated: true });
    await tools.invoke(ws.id, { tool: "file.write", args: { path: "src/notes.md", content: "\ndelta", append: true } });
    const list = await tools.invoke(ws.id, { tool: "file.list", args: { path: ".", recursive: true } });
    expect(list.output.entries).toContainEqual({ path: "src/notes.md", type: "file", size: 32 });
    const found = await tools.invoke(ws.id, { tool: "file.search", args: { pattern: "todo", ignoreCase: true } });
    expect(found.output.matches).toEqual([{ path: "src/notes.md", line: 2, text: "TODO beta" }, { path: "src/notes.md", line: 3, text: "gamma TODO" }]);
    const regex = await tools.invoke(ws.id, { tool: "file.search", args: { pattern: "^d\\w+$", regex: true } });
    expect(regex.output.matches).toEqual([{ path: "src/notes.md", line: 4, text: "delta" }]);
    expect(audits.length - before).toBe(7);
  });

  it("refuses unsafe search regexes and missing files", async () => {
    await expectRefused(tools.invoke(ws.id, { tool: "file.search", args: { pattern: "(a+)+$", regex: true } }), "validation_failed", "unsafe_regex");
    await expectRefused(tools.invoke(ws.id, { tool: "file.read", args: { path: "nope.txt" } }), "not_found");
    await expectRefused(tools.invoke(ws.id, { tool: "file.read", args: {} } as never), "validation_failed");
  });
});

describe("escapes are contained", () => {
  it("../ paths are refused before anything runs, and audited as refused", async () => {
    await expectRefused(tools.invoke(ws.id, { tool: "file.read", args: { path: "../../../etc/passwd" } }), "forbidden", "path_escape");
    await expectRefused(tools.invoke(ws.id, { tool: "file.read", args: { path: "src/../../x" } }), "forbidden", "path_escape");
    await expectRefused(tools.invoke(ws.id, { tool: "file.write", args: { path: "../escaped.txt", content: "x" } }), "forbidden", "path_escape");
    expect(existsSync(join(ws.dir, "..", "escaped.txt"))).toBe(false);
    expect(audits.at(-1)).toMatchObject({ tool: "file.write", outcome: "refused", error: { code: "forbidden" } });
    const listed = await bash("cd ..; pwd; ls; cat ../../etc/shadow 2>&1; ls /.. ");
    expect(listed.output.stdout).not.toMatch(/ws_[0-9a-f]{24}/);
    expect(listed.output.stdout).toContain("No such file");
  });

  it("absolute paths are refused by the file tools and lead nowhere from bash", async () => {
    await expectRefused(tools.invoke(ws.id, { tool: "file.read", args: { path: "/etc/passwd" } }), "forbidden", "path_escape");
    await expectRefused(tools.invoke(ws.id, { tool: "file.list", args: { path: hostDir } }), "forbidden", "path_escape");
    const run = await bash(`cat ${join(hostDir, "secret.txt")} 2>&1; ls /root /home /work 2>&1; grep -c root /etc/passwd; cat /etc/shadow 2>&1`);
    expect(run.output.stdout).not.toContain(hostSecret);
    expect(run.output.stdout).toContain("No such file");
    expect(run.output.stdout.match(/No such file/g)!.length).toBe(5);
  });

  it("symlinks out of the workspace are refused by the file tools and dead ends in bash", async () => {
    await symlink(join(hostDir, "secret.txt"), join(ws.dir, "leak.txt"));
    await symlink(hostDir, join(ws.dir, "leakdir"));
    await expectRefused(tools.invoke(ws.id, { tool: "file.read", args: { path: "leak.txt" } }), "forbidden", "path_escape");
    await expectRefused(tools.invoke(ws.id, { tool: "file.list", args: { path: "leakdir" } }), "forbidden", "path_escape");
    await expectRefused(tools.invoke(ws.id, { tool: "file.write", args: { path: "leak.txt", content: "overwritten" } }), "forbidden", "path_escape");
    await expectRefused(tools.invoke(ws.id, { tool: "file.write", args: { path: "leakdir/new.txt", content: "x" } }), "forbidden", "path_escape");
    expect(await readFile(join(hostDir, "secret.txt"), "utf8")).toBe(hostSecret);
    expect(existsSync(join(hostDir, "new.txt"))).toBe(false);
    const run = await bash("cat leak.txt 2>&1; ls leakdir/ 2>&1; ln -s / rootlink; ls rootlink/");
    expect(run.output.stdout).not.toContain(hostSecret);
    expect(run.output.stdout).not.toContain("secret.txt");
    // a link made inside the sandbox to / is refused by the file tools too
    await expectRefused(tools.invoke(ws.id, { tool: "file.list", args: { path: "rootlink" } }), "forbidden", "path_escape");
    // a search walks the workspace without following links
    const found = await tools.invoke(ws.id, { tool: "file.search", args: { pattern: "host-secret" } });
    expect(found.output.matches).toEqual([]);
  });

  it("the environment is scrubbed: no variable of the service reaches the sandbox, not even through /proc", async () => {
    const run = await bash("env; for f in /proc/[0-9]*/environ; do cat $f 2>/dev/null; echo; done; cat /proc/1/environ 2>&1; echo; ls /proc | grep -cE '^[0-9]+$'");
    expect(run.output.stdout).not.toContain(envSecret);
    expect(run.output.stdout).not.toContain("SYMBIA_TEST_SECRET");
    expect(run.output.stdout).toContain("HOME=/workspace");
    const processes = Number(run.output.stdout.trim().split("\n").at(-1));
    expect(processes).toBeLessThan(10);
  });

  it("a fork bomb is bounded by the process limit and killed with everything it started", async () => {
    const started = Date.now();
    const run = await bash(":(){ :|:& };:; sleep 100");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.output.limit).toBe("wall_time");
    expect(run.output.stderr).toMatch(/fork|Resource temporarily unavailable/);
    expect(await processesOf(ws.uid)).toEqual([]);
  });

  it("an infinite loop is stopped by the CPU-time limit", async () => {
    const run = await bash("while :; do :; done");
    expect(run.output).toMatchObject({ limit: "cpu_time", signal: "SIGXCPU", exitCode: 152 });
    expect(run.audit).toMatchObject({ outcome: "limit", limit: "cpu_time" });
  });

  it("a command that only waits is stopped by the wall-time limit (and a shorter timeoutMs)", async () => {
    const run = await tools.invoke(ws.id, { tool: "bash", args: { command: "sleep 30", timeoutMs: 500 } });
    expect(run.output).toMatchObject({ limit: "wall_time", exitCode: null });
    expect(run.output.durationMs).toBeLessThan(3_000);
  });

  it("1 GB of output is cut at the output limit and the run killed", async () => {
    const started = Date.now();
    const run = await bash("head -c 1073741824 /dev/zero; echo unreachable");
    expect(run.output.limit).toBe("output");
    expect(run.output.truncated).toBe(true);
    expect(Buffer.byteLength(run.output.stdout) + Buffer.byteLength(run.output.stderr)).toBeLessThanOrEqual(64 * 1024);
    expect(run.output.stdout).not.toContain("unreachable");
    expect(Date.now() - started).toBeLessThan(5_000);
    const noisy = await bash("yes error >&2");
    expect(noisy.output).toMatchObject({ limit: "output", truncated: true });
  });

  it("memory and file size are limited", async () => {
    const memory = await bash("x=$(head -c 400000000 /dev/zero | tr '\\0' a); echo ${#x}");
    expect(memory.output.exitCode).not.toBe(0);
    expect(memory.output.stdout).not.toContain("400000000");
    const file = await bash("head -c 5000000 /dev/zero > big.bin; echo status $?; stat -c %s big.bin");
    expect(file.output.stdout).toMatch(/status 153/);
    expect(file.output.stdout.trim().split("\n").at(-1)).toBe(String(1024 * 1024));
  });

  it("background and setsid'ed processes do not outlive the call", async () => {
    await bash("sleep 1000 & setsid sleep 1000 & nohup sleep 1000 >/dev/null 2>&1 & echo started");
    expect(await processesOf(ws.uid)).toEqual([]);
  });

  it("a cancelled call kills its sandbox and is audited as cancelled", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expectRefused(tools.invoke(ws.id, { tool: "bash", args: { command: "sleep 30" } }, { signal: controller.signal, actor: { runId: "run_c" } }), "bad_request", "cancelled");
    expect(audits.at(-1)).toMatchObject({ tool: "bash", outcome: "cancelled", actor: { runId: "run_c" } });
    expect(await processesOf(ws.uid)).toEqual([]);
  });

  it("there is no network", async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const run = await bash(`echo hi > /dev/tcp/127.0.0.1/${port} && echo connected; echo done`);
    server.close();
    expect(run.output.stdout).not.toContain("connected");
    expect(connections).toBe(0);
  });

  it("runs as an unprivileged user with no capabilities and cannot become root", async () => {
    const run = await bash("id -u; grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; grep NoNewPrivs /proc/self/status; touch /usr/x 2>&1; mount -t tmpfs x /tmp 2>&1 | head -1");
    const lines = run.output.stdout.split("\n");
    expect(lines[0]).toBe(String(ws.uid));
    expect(run.output.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(run.output.stdout).toMatch(/CapBnd:\s+0000000000000000/);
    expect(run.output.stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(run.output.stdout).toMatch(/Read-only file system|Permission denied/);
  });
});

describe("bash switch and the action executor", () => {
  it("bash is refused (and audited) unless enabled", async () => {
    const before = audits.length;
    await expectRefused(noBash.invoke(ws.id, { tool: "bash", args: { command: "id" } }), "forbidden", "bash_disabled");
    expect(audits.length).toBe(before);
    const local: ToolAuditRecord[] = [];
    const audited = await createCodeTools({ workspacesDir: join(root, "workspaces"), onAudit: (r) => void local.push(r) });
    await expectRefused(audited.invoke(ws.id, { tool: "bash", args: { command: "id" } }), "forbidden");
    expect(local).toEqual([expect.objectContaining({ tool: "bash", outcome: "refused", args: { command: "id" }, error: expect.objectContaining({ code: "forbidden" }) })]);
  });

  it("code.tool.invoke and the workspace actions run against the real code tools", async () => {
    const parsed = validateActions([
      { type: "workspace.create", params: { label: "run" } },
      { type: "code.tool.invoke", params: { tool: "file.write", workspace: "{{vars.workspace.id}}", args: { path: "q.txt", content: "{{message.content}}" } } },
      { type: "code.tool.invoke", params: { tool: "bash", workspace: "{{vars.workspace.id}}", args: { command: "tr a-z A-Z < q.txt" }, saveAs: "upper" } },
      { type: "workspace.destroy", params: { workspace: "{{vars.workspace.id}}" } },
    ]);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const recorder = recordingEffects({}, { tools: toolEffectsFromCodeTools(tools) });
    const result = await executeActions(parsed.value, { message: { content: "shout this" } }, { effects: recorder.effects, runId: "run_tools" });
    expect(result.status).toBe("completed");
    expect(result.vars["upper"]).toMatchObject({ stdout: "SHOUT THIS", exitCode: 0, auditId: expect.stringMatching(/^aud_/) });
    const workspaceId = (result.vars["workspace"] as { id: string }).id;
    expect(audits.filter((a) => a.workspaceId === workspaceId).map((a) => [a.tool, a.actor?.runId])).toEqual([
      ["workspace.create", "run_tools"], ["file.write", "run_tools"], ["bash", "run_tools"], ["workspace.destroy", "run_tools"],
    ]);
  });
});
