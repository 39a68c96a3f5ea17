// The full-stack test harness: starts the real `npm start` launcher (scripts/start.mjs) in the
// background on its own ports and state directory, and drives the real `symbia` CLI against it.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICES, type ServiceId } from "@symbia/sys";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Ports are the defaults moved by this offset, so the test never meets a developer's own stack. */
export const PORT_OFFSET = 20_000;

/** A running stack started by scripts/start.mjs. */
export interface Stack {
  /** Base URL of every service, `http://127.0.0.1:<port>`. */
  urls: Record<ServiceId, string>;
  /** The website's base URL. */
  websiteUrl: string;
  /** Environment that points clients (the CLI) at this stack. */
  env: Record<string, string>;
  /** Everything the launcher printed so far. */
  output(): string;
  /** Sends SIGINT (Ctrl-C) and resolves with the launcher's exit code. */
  interrupt(timeoutMs?: number): Promise<number | null>;
  /** Kills what is left and removes the state directory. */
  dispose(): Promise<void>;
}

/** The super admin the launcher creates through SYMBIA_ADMIN_* on first run. */
export const ADMIN = {
  email: "admin@stack.test",
  password: "Stack-test-Password-1",
  name: "Stack Admin",
  org: "Stack Test Org",
};

/**
 * Starts the whole stack with `node scripts/start.mjs --new -y --rebuild` (no TTY: the admin comes from
 * SYMBIA_ADMIN_*), on pg-mem, or on PostgreSQL in fresh per-service schemas when
 * TEST_DATABASE_URL is set. Resolves once the launcher prints that the stack is running.
 */
export async function startStack(timeoutMs = 300_000): Promise<Stack> {
  const stateDir = await mkdtemp(join(tmpdir(), "symbia-stack-"));
  const urls = Object.fromEntries(SERVICES.map((s) => [s.id, `http://127.0.0.1:${s.port + PORT_OFFSET}`])) as Record<ServiceId, string>;
  const websiteUrl = `http://127.0.0.1:${5000 + PORT_OFFSET}`;
  const serviceEnv = Object.fromEntries(SERVICES.map(({ id }) => [`${id.toUpperCase()}_SERVICE_URL`, urls[id]]));
  const database: Record<string, string> = {};
  if (process.env.TEST_DATABASE_URL) {
    const tag = `stack_${randomBytes(4).toString("hex")}`;
    database.DATABASE_URL = process.env.TEST_DATABASE_URL;
    for (const { id } of SERVICES) database[`${id.toUpperCase()}_DB_SCHEMA`] = `${tag}_${id}`;
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? stateDir,
    SYMBIA_STATE_DIR: stateDir,
    SYMBIA_PORT_OFFSET: String(PORT_OFFSET),
    SYMBIA_ADMIN_EMAIL: ADMIN.email,
    SYMBIA_ADMIN_PASSWORD: ADMIN.password,
    SYMBIA_ADMIN_NAME: ADMIN.name,
    SYMBIA_ADMIN_ORG: ADMIN.org,
    // Fast telemetry so a turn's spans reach logging within the test.
    TELEMETRY_FLUSH_MS: "250",
    // The test model's reply streams over ~5 s, so a stop lands while it streams and the
    // browser renders partial replies even on a loaded machine.
    MODELS_STREAM_INTERVAL_MS: "250",
    ...database,
  };
  const child = spawn(process.execPath, [join(root, "scripts", "start.mjs"), "--new", "-y", "--rebuild"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += String(d)));
  child.stderr!.on("data", (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const stack: Stack = {
    urls,
    websiteUrl,
    env: { ...serviceEnv, WEBSITE_URL: websiteUrl },
    output: () => output,
    interrupt: async (ms = 60_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGINT");
      return Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
    },
    dispose: async () => {
      if (child.exitCode === null) await killTree(child);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (!output.includes("Symbia Stack is running")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stack.dispose();
      throw new Error(`the stack did not start (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return stack;
}

/** SIGKILLs the launcher's children (found by parent pid) and the launcher itself. */
async function killTree(child: ChildProcess): Promise<void> {
  const { execFileSync } = await import("node:child_process");
  try {
    const pids = execFileSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const pid of pids) process.kill(Number(pid), "SIGKILL");
  } catch {
    /* no children left */
  }
  child.kill("SIGKILL");
}

/** Runs the real `symbia` binary against the stack; resolves with its exit code and output. */
export function symbia(stack: Stack, configDir: string, args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "symbia-cli", "bin", "symbia.mjs"), ...args], {
      env: { PATH: process.env.PATH ?? "", SYMBIA_CONFIG_DIR: configDir, ...stack.env },
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

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
