// The whole stack as `npm start` runs it (scripts/start.mjs --new -y) on its own ports and state
// directory, for the stack and assistants benchmarks: start timing, per-process RSS, Ctrl-C.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVICES, type ServiceId } from "@symbia/sys";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The super admin the launcher creates from SYMBIA_ADMIN_* (stdin is not a TTY). */
export const STACK_ADMIN = { email: "admin@bench.test", password: "Bench-stack-Password-1", name: "Bench Admin", org: "Bench Org" };

/** A stack started by {@link launchStack}. */
export interface LaunchedStack {
  /** The launcher's pid (its children are the services and the website). */
  pid: number;
  urls: Record<ServiceId, string>;
  /** Services present in this checkout (those with src/index.ts): the launcher starts only these. */
  present: ServiceId[];
  /** ms from spawning the launcher until every present service answered /health/ready 200. */
  allReadyMs: number;
  /** ms until each service first answered ready. */
  readyMs: Partial<Record<ServiceId, number>>;
  /** ms until the launcher printed "Symbia Stack is running" (admin created, website up). */
  runningMs: number;
  output(): string;
  /** A service's log so far (the launcher writes each to .symbia/logs/<id>.log of the state directory). */
  log(id: ServiceId): string;
  /** Sends SIGINT (Ctrl-C); resolves with the exit code and how long the launcher took to exit. */
  interrupt(timeoutMs?: number): Promise<{ code: number | null; ms: number }>;
  /** Kills whatever is left and removes the state directory. */
  dispose(): Promise<void>;
}

/** The website must be built before timing a start (the launcher builds it when dist is missing). */
export async function ensureWebsiteBuilt(): Promise<void> {
  if (!existsSync(join(root, "website", "server.mjs")) || existsSync(join(root, "website", "dist", "index.html"))) return;
  process.stdout.write("building the website once (not timed)…\n");
  await new Promise<void>((resolve, reject) => {
    const build = spawn("npm", ["run", "build", "-w", "@symbia/website"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    build.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`website build failed (${code})`))));
  });
}

/**
 * Starts `node scripts/start.mjs --new -y` with SYMBIA_STATE_DIR a fresh temporary directory,
 * SYMBIA_PORT_OFFSET `offset`, SYMBIA_ADMIN_* set and stdin not a TTY, on pg-mem. Polls every
 * present service's /health/ready every 50 ms meanwhile. Resolves once the launcher prints
 * "Symbia Stack is running".
 */
export async function launchStack(offset: number, env: Record<string, string> = {}, timeoutMs = 300_000): Promise<LaunchedStack> {
  const stateDir = await mkdtemp(join(tmpdir(), "symbia-bench-stack-"));
  const urls = Object.fromEntries(SERVICES.map((s) => [s.id, `http://127.0.0.1:${s.port + offset}`])) as Record<ServiceId, string>;
  const present = SERVICES.filter((s) => existsSync(join(root, s.id, "src", "index.ts"))).map((s) => s.id);
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [join(root, "scripts", "start.mjs"), "--new", "-y"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? stateDir,
      SYMBIA_STATE_DIR: stateDir,
      SYMBIA_PORT_OFFSET: String(offset),
      SYMBIA_ADMIN_EMAIL: STACK_ADMIN.email,
      SYMBIA_ADMIN_PASSWORD: STACK_ADMIN.password,
      SYMBIA_ADMIN_NAME: STACK_ADMIN.name,
      SYMBIA_ADMIN_ORG: STACK_ADMIN.org,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += String(d)));
  child.stderr!.on("data", (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const readyMs: Partial<Record<ServiceId, number>> = {};
  const deadline = Date.now() + timeoutMs;
  const failed = () => child.exitCode !== null || Date.now() > deadline;
  await Promise.all(
    present.map(async (id) => {
      while (!failed()) {
        const ok = await fetch(`${urls[id]}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) {
          readyMs[id] = performance.now() - t0;
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  const allReadyMs = performance.now() - t0;
  while (!output.includes("Symbia Stack is running") && !failed()) await new Promise((r) => setTimeout(r, 50));
  const runningMs = performance.now() - t0;

  const stack: LaunchedStack = {
    pid: child.pid!,
    urls,
    present,
    allReadyMs,
    readyMs,
    runningMs,
    output: () => output,
    log: (id) => {
      try {
        return readFileSync(join(stateDir, ".symbia", "logs", `${id}.log`), "utf8");
      } catch {
        return "";
      }
    },
    interrupt: async (ms = 60_000) => {
      const t = performance.now();
      if (child.exitCode !== null) return { code: child.exitCode, ms: 0 };
      child.kill("SIGINT");
      const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
      return { code, ms: performance.now() - t };
    },
    dispose: async () => {
      if (child.exitCode === null) {
        for (const pid of childrenOf(child.pid!)) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* gone */
          }
        }
        child.kill("SIGKILL");
      }
      // BENCH_KEEP_STATE=1 keeps the state directory (the services' logs are in .symbia/logs).
      if (process.env.BENCH_KEEP_STATE) process.stdout.write(`state and logs kept in ${stateDir}\n`);
      else await rm(stateDir, { recursive: true, force: true });
    },
  };
  if (Object.keys(readyMs).length < present.length || !output.includes("Symbia Stack is running")) {
    await stack.dispose();
    throw new Error(`the stack did not start (exit ${child.exitCode}):\n${output.slice(-3000)}`);
  }
  return stack;
}

/** Direct children of a process (`pgrep -P`). */
export function childrenOf(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmRSS of a process in MiB (0 when it is gone). */
export function rssMiB(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What a launcher child runs: a service id, "website", or its command line. */
function nameOf(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    const service = SERVICES.find((s) => cmd.includes(`/${s.id}/src/index.ts`));
    return service ? service.id : cmd.includes("website/server.mjs") ? "website" : cmd.slice(0, 80);
  } catch {
    return `pid ${pid}`;
  }
}

/** RSS of the launcher's children by name, and of their own children (workers) summed per child. */
export function stackMemory(launcherPid: number): { services: Record<string, number>; servicesTotal: number; website: number; workers: Record<string, number>; workersTotal: number } {
  const services: Record<string, number> = {};
  const workers: Record<string, number> = {};
  let website = 0;
  for (const pid of childrenOf(launcherPid)) {
    const name = nameOf(pid);
    const rss = rssMiB(pid);
    if (name === "website") website += rss;
    else services[name] = (services[name] ?? 0) + rss;
    const sub = childrenOf(pid).reduce((sum, p) => sum + rssMiB(p), 0);
    if (sub) workers[name] = sub;
  }
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return { services, servicesTotal: sum(services), website, workers, workersTotal: sum(workers) };
}

/**
 * Why messaging's events did not reach the assistants, from messaging's log: the error of its
 * last failed assistant delivery, or undefined when none failed.
 */
export function assistantDeliveryFailure(stack: LaunchedStack): string | undefined {
  const lines = stack.log("messaging").split("\n").filter((l) => l.includes("assistant webhook delivery failed") || l.includes("assistant event not delivered"));
  const last = lines.at(-1);
  if (!last) return undefined;
  try {
    const entry = JSON.parse(last) as { error?: string; via?: string; msg?: string };
    return `${entry.msg}${entry.via ? ` via ${entry.via}` : ""}: ${entry.error ?? "unknown error"}`;
  } catch {
    return last.slice(0, 200);
  }
}

/** CPU time (user + system, ms) a process and all its descendants have used so far. */
export function cpuMsOfTree(pid: number): number {
  let ticks = 0;
  try {
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks = Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
  return (ticks * 1000) / CLOCK_TICKS + childrenOf(pid).reduce((sum, child) => sum + cpuMsOfTree(child), 0);
}

/** Linux's USER_HZ: /proc times are in hundredths of a second. */
const CLOCK_TICKS = 100;
