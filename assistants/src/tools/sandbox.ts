import { spawn, spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ToolLimitHit, ToolLimits } from "./schemas.js";

const SETUP_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "sandbox", "setup.sh");

/** The scrubbed environment every sandboxed process starts with: nothing of the host's. */
export function sandboxEnvironment(): Record<string, string> {
  return { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/workspace", LANG: "C.UTF-8", TMPDIR: "/tmp", USER: "sandbox", SHELL: "/bin/bash" };
}

/** A read-only bind mount into the sandbox: `host` (absolute) appears at `target` (absolute). */
export interface SandboxBind {
  host: string;
  target: string;
}

/** One sandboxed run. */
export interface SandboxSpec {
  /** Real (resolved) host path of the workspace; it appears at `/workspace`, the cwd. */
  workspaceDir: string;
  /** Empty host directory, owned by root, used as the mount point of the sandbox's root. */
  mountDir: string;
  uid: number;
  gid: number;
  /** The program and its arguments (run with the {@link sandboxEnvironment} only). */
  argv: string[];
  stdin?: Buffer | string;
  limits: ToolLimits;
  /** RLIMIT_AS for each process in bytes, or "unlimited"; defaults to `limits.memoryBytes`. */
  addressSpace?: number | "unlimited";
  /** Wall time in ms; defaults to `limits.wallTimeMs`. */
  wallTimeMs?: number;
  binds?: SandboxBind[];
  /** Give the sandbox the host's network (default: a private network namespace with no interfaces up). */
  network?: boolean;
  signal?: AbortSignal;
}

/** What a sandboxed run gave back. */
export interface SandboxResult {
  /** The command's status (128 + n when it died of signal n); null when the sandbox was killed. */
  exitCode: number | null;
  /** Signal name when the status says the command died of a signal. */
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** True when output past `maxOutputBytes` was dropped. */
  truncated: boolean;
  limit: ToolLimitHit | null;
  /** True when the run was aborted through `signal`. */
  aborted: boolean;
  durationMs: number;
}

/** The sandbox could not be built (no privileges, missing util-linux tools). */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxUnavailableError";
  }
}

const signalNames = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

let probe: { ok: true } | { ok: false; reason: string } | undefined;

/**
 * Checks once per process that sandboxes can be built here: root (or CAP_SYS_ADMIN with
 * CAP_SETUID) and util-linux's `unshare`, `setpriv`, `prlimit`, plus `timeout`, `mount`,
 * `pivot_root`. The result is cached.
 */
export function probeSandbox(): { ok: true } | { ok: false; reason: string } {
  if (probe) return probe;
  if (process.platform !== "linux") return (probe = { ok: false, reason: "code tools need Linux namespaces" });
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return (probe = { ok: false, reason: "code tools need root (namespaces, mounts and a per-workspace uid); run the service as root or in a container with CAP_SYS_ADMIN" });
  }
  const run = spawnSync("timeout", ["-s", "KILL", "10", "unshare", "--mount", "--pid", "--fork", "--kill-child", "--", "sh", "-c", "command -v setpriv && command -v prlimit && command -v pivot_root && command -v mount"], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    encoding: "utf8",
  });
  if (run.status !== 0) return (probe = { ok: false, reason: `cannot create namespaces or find util-linux tools: ${(run.stderr || run.error?.message || "").trim()}` });
  return (probe = { ok: true });
}

/**
 * Runs `spec.argv` in a fresh sandbox (see `sandbox/setup.sh` for how it is built): private
 * mount, pid, ipc, uts and (unless `network`) network namespaces; a minimal read-only root with
 * the workspace at `/workspace`; the workspace's uid with no capabilities; RLIMIT_CPU,
 * RLIMIT_NPROC, RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_NOFILE; a wall-time timer here and a
 * `timeout -s KILL` around the whole thing (so it ends even if this process dies); output cut
 * and the run killed past `maxOutputBytes`. Killing `unshare` kills the namespace's pid 1 and
 * with it every process the command left behind.
 *
 * @throws SandboxUnavailableError when the sandbox could not be built.
 */
export async function runInSandbox(spec: SandboxSpec): Promise<SandboxResult> {
  const { limits } = spec;
  const wallTimeMs = spec.wallTimeMs ?? limits.wallTimeMs;
  const addressSpace = spec.addressSpace ?? limits.memoryBytes;
  const binds = spec.binds ?? [];
  const unshareFlags = ["--mount", "--pid", "--fork", "--kill-child", "--ipc", "--uts", ...(spec.network ? [] : ["--net"])];
  const args = [
    "-s", "KILL", `${Math.ceil(wallTimeMs / 1000) + 5}s`,
    "unshare", ...unshareFlags, "--", "/bin/sh", SETUP_SCRIPT,
    spec.mountDir, spec.workspaceDir, String(spec.uid), String(spec.gid), String(limits.maxProcesses),
    String(limits.cpuSeconds), String(addressSpace), String(limits.maxFileBytes), String(limits.maxOpenFiles),
    String(limits.tmpBytes), String(binds.length),
    ...binds.flatMap((b) => [b.host, b.target]),
    "--",
    "/usr/bin/env", "-i", ...Object.entries(sandboxEnvironment()).map(([k, v]) => `${k}=${v}`),
    ...spec.argv,
  ];

  const started = performance.now();
  const child = spawn("timeout", args, {
    cwd: "/",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    stdio: ["pipe", "pipe", "pipe", "pipe"],
    detached: true,
  });

  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let outputBytes = 0;
  let truncated = false;
  let limit: ToolLimitHit | null = null;
  let aborted = false;
  let control = "";

  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group is already gone
    }
  };
  const collect = (into: Buffer[]) => (chunk: Buffer) => {
    const room = limits.maxOutputBytes - outputBytes;
    if (chunk.length > room) {
      if (room > 0) into.push(chunk.subarray(0, room));
      outputBytes = limits.maxOutputBytes;
      truncated = true;
      if (!limit) limit = "output";
      kill();
      return;
    }
    outputBytes += chunk.length;
    into.push(chunk);
  };
  child.stdout!.on("data", collect(stdout));
  child.stderr!.on("data", collect(stderr));
  const controlStream = child.stdio[3] as NodeJS.ReadableStream;
  controlStream.on("data", (chunk: Buffer) => {
    control += chunk.toString("utf8");
  });
  child.stdin!.on("error", () => {
    // the command may exit without reading its input
  });
  child.stdin!.end(spec.stdin ?? "");

  const timer = setTimeout(() => {
    if (!limit) limit = "wall_time";
    kill();
  }, wallTimeMs);
  const onAbort = () => {
    aborted = true;
    kill();
  };
  if (spec.signal?.aborted) onAbort();
  spec.signal?.addEventListener("abort", onAbort, { once: true });

  const closed = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  spec.signal?.removeEventListener("abort", onAbort);
  // Whatever the command left behind dies with the namespace; make sure of it.
  kill();

  const durationMs = Math.round(performance.now() - started);
  if (closed.error) throw new SandboxUnavailableError(`cannot start the sandbox: ${closed.error.message}`);
  if (!control.startsWith("R") && !limit && !aborted) {
    throw new SandboxUnavailableError(`the sandbox could not be built: ${Buffer.concat(stderr).toString("utf8").trim().slice(0, 2_000) || `exit ${closed.code}`}`);
  }
  const status = /X(\d+)/.exec(control);
  const exitCode = status && !limit && !aborted ? Number(status[1]) : null;
  const signal = exitCode !== null && exitCode > 128 ? (signalNames.get(exitCode - 128) ?? null) : null;
  if (!limit && signal === "SIGXCPU") limit = "cpu_time";
  return { exitCode, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), truncated, limit, aborted, durationMs };
}

async function processesOf(uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = await readFile(`/proc/${name}/status`, "utf8");
      const match = /^Uid:\s+(\d+)/m.exec(status);
      if (match && Number(match[1]) === uid) pids.push(Number(name));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

/**
 * Makes sure no process of a workspace's uid is left after a call: the namespace teardown kills
 * them, but a dying process may still be listed for a few milliseconds after it closed its pipes.
 * Kills (SIGKILL) whatever is found and waits until none is left. The uid belongs to one
 * workspace only, so nothing else is touched.
 * @throws SandboxUnavailableError when processes are still there after `timeoutMs`.
 */
export async function reapWorkspaceProcesses(uid: number, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const pids = await processesOf(uid);
    if (pids.length === 0) return;
    if (performance.now() > deadline) throw new SandboxUnavailableError(`${pids.length} process(es) of sandbox uid ${uid} outlived their call`);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
