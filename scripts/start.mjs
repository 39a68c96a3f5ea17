#!/usr/bin/env node
// `npm start` / `./start.sh`: starts every Symbia service natively, in dependency order, on pg-mem
// by default (PostgreSQL when DATABASE_URL is set), waiting for each /health/ready; prints where
// everything runs; Ctrl-C stops all of them cleanly (memory state is exported on the way out).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import dotenv from "dotenv";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values: flags } = parseArgs({
  options: {
    new: { type: "boolean", default: false },
    "skip-admin": { type: "boolean", default: false },
    rebuild: { type: "boolean", default: false },
    docker: { type: "boolean", default: false },
    yes: { type: "boolean", short: "y", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (flags.help) {
  process.stdout.write(`Usage: npm start -- [--new] [--skip-admin] [--rebuild] [--docker] [-y]
  --new         start from empty state (asks for confirmation unless -y)
  --skip-admin  do not create the first super admin
  --rebuild     rebuild the website before starting
  --docker      run the stack with docker compose instead (needs a Docker engine)
`);
  process.exit(0);
}

// SYMBIA_STATE_DIR: where .env, .symbia/data and .symbia/logs live (default: the checkout).
// SYMBIA_PORT_OFFSET: added to every default port (and the services told each other's URLs), so a
// second stack — the full-stack test, say — can run beside a developer's own.
const stateDir = process.env.SYMBIA_STATE_DIR ? join(process.env.SYMBIA_STATE_DIR) : root;
const portOffset = Number(process.env.SYMBIA_PORT_OFFSET ?? 0);
if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 50_000) {
  process.stderr.write(`SYMBIA_PORT_OFFSET must be an integer from 0 to 50000 (got ${process.env.SYMBIA_PORT_OFFSET})\n`);
  process.exit(2);
}

// Start tiers (ARCHITECTURE §1). The table is @symbia/sys's; kept literal here so the launcher
// runs before anything is compiled.
const SERVICES = [
  ["identity", "Identity", 5001], ["logging", "Logging", 5002], ["network", "Network", 5054],
  ["catalog", "Catalog", 5003], ["messaging", "Messaging", 5005], ["integrations", "Integrations", 5007],
  ["assistants", "Assistants", 5004], ["runtime", "Runtime", 5006], ["models", "Models", 5008],
];
const TIERS = [["identity", "logging", "network"], ["catalog", "messaging", "integrations"], ["assistants", "runtime", "models"]];

if (flags.docker) {
  const child = spawn("docker", ["compose", "up", "-d"], { cwd: root, stdio: "inherit" });
  child.on("exit", (code) => process.exit(code ?? 1));
} else {
  await main();
}

async function main() {
  mkdirSync(stateDir, { recursive: true });
  const envPath = join(stateDir, ".env");
  ensureSecrets(envPath);
  const fileEnv = dotenv.parse(readFileSync(envPath));
  const env = { ...portEnv(), ...fileEnv, ...process.env };
  const dataDir = join(stateDir, ".symbia", "data");
  const logDir = join(stateDir, ".symbia", "logs");

  if (flags.new) {
    const ok = flags.yes || (process.stdin.isTTY && (await ask("Delete all local state in .symbia/data and start empty? [y/N] ")).toLowerCase().startsWith("y"));
    if (!ok) {
      process.stdout.write("Keeping the existing state.\n");
    } else {
      rmSync(dataDir, { recursive: true, force: true });
      process.stdout.write("Local state removed.\n");
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const memory = !env.DATABASE_URL;

  const present = SERVICES.filter(([id]) => existsSync(join(root, id, "src", "index.ts")));
  const running = new Map();
  let stopping = false;
  const stopAll = async (signal) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nStopping ${running.size} services…\n`);
    // Reverse start order: dependents first.
    const children = [...running.values()].reverse();
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once("exit", r)) : undefined)));
    const failed = children.filter((c) => c.exitCode !== 0 && c.signalCode === null);
    process.stdout.write(failed.length ? `${failed.length} services exited with errors.\n` : "All services stopped cleanly.\n");
    process.exit(failed.length ? 1 : signal === "error" ? 1 : 0);
  };
  process.on("SIGINT", () => void stopAll("SIGINT"));
  process.on("SIGTERM", () => void stopAll("SIGTERM"));

  for (const tier of TIERS) {
    const batch = present.filter(([id]) => tier.includes(id));
    await Promise.all(
      batch.map(async ([id, name, port]) => {
        const prefix = id.toUpperCase();
        const childEnv = {
          ...env,
          [`${prefix}_PORT`]: String(env[`${prefix}_PORT`] ?? port),
          ...(memory && !env[`${prefix}_DB_EXPORT_PATH`] ? { [`${prefix}_DB_EXPORT_PATH`]: join(dataDir, `${id}.json`) } : {}),
          ...(id === "models" && !env.MODELS_DIR ? { MODELS_DIR: join(root, ".symbia", "models") } : {}),
          ...(id === "assistants" ? defaultModelEnv(env) : {}),
          // The built-in test model answers in milliseconds; a pace lets people watch it stream.
          ...(id === "models" && !env.MODELS_STREAM_INTERVAL_MS ? { MODELS_STREAM_INTERVAL_MS: "60" } : {}),
        };
        const child = spawn(process.execPath, ["--import", "tsx", join(root, id, "src", "index.ts")], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
        running.set(id, child);
        const logFile = join(logDir, `${id}.log`);
        mkdirSync(dirname(logFile), { recursive: true });
        writeFileSync(logFile, "");
        const append = (chunk) => writeFileSync(logFile, chunk, { flag: "a" });
        child.stdout.on("data", append);
        child.stderr.on("data", append);
        child.once("exit", (code, sig) => {
          if (!stopping) {
            process.stderr.write(`${name} exited (${sig ?? code}); see ${join(logDir, `${id}.log`)}\n`);
            void stopAll("error");
          }
        });
        await waitReady(`http://127.0.0.1:${childEnv[`${prefix}_PORT`]}`, name);
      }),
    );
  }

  if (running.has("identity")) {
    const created = await ensureAdmin(env, `http://127.0.0.1:${env.IDENTITY_PORT ?? 5001}`);
    const admin = created ?? (env.SYMBIA_ADMIN_EMAIL && env.SYMBIA_ADMIN_PASSWORD ? { email: env.SYMBIA_ADMIN_EMAIL, password: env.SYMBIA_ADMIN_PASSWORD } : undefined);
    if (admin && running.has("catalog") && running.has("assistants")) await installAssistants(env, admin);
  }

  // The website: built once (or with --rebuild), then served with the services proxied under it.
  const websitePort = env.WEBSITE_PORT ?? String(5000 + portOffset);
  if (existsSync(join(root, "website", "server.mjs"))) {
    if (flags.rebuild || !existsSync(join(root, "website", "dist", "index.html"))) {
      process.stdout.write("Building the website…\n");
      await new Promise((resolve, reject) => {
        const build = spawn("npm", ["run", "build", "-w", "@symbia/website"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
        build.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`website build failed (${code})`))));
      });
    }
    const child = spawn(process.execPath, [join(root, "website", "server.mjs")], { cwd: root, env: { ...env, WEBSITE_PORT: websitePort }, stdio: ["ignore", "pipe", "pipe"] });
    running.set("website", child);
    const logFile = join(logDir, "website.log");
    writeFileSync(logFile, "");
    child.stdout.on("data", (c) => writeFileSync(logFile, c, { flag: "a" }));
    child.stderr.on("data", (c) => writeFileSync(logFile, c, { flag: "a" }));
    child.once("exit", (code, sig) => {
      if (!stopping) {
        process.stderr.write(`Website exited (${sig ?? code}); see ${join(logDir, "website.log")}\n`);
        void stopAll("error");
      }
    });
    await waitReady(`http://127.0.0.1:${websitePort}`, "Website");
    present.push(["website", "Website", Number(websitePort)]);
  }

  process.stdout.write(`\nSymbia Stack is running on ${memory ? "pg-mem (state saved to .symbia/data on exit)" : "PostgreSQL"}\n`);
  const model = { ASSISTANTS_DEFAULT_PROVIDER: "symbia-labs", ASSISTANTS_DEFAULT_MODEL: "symbia-tiny-test", ...defaultModelEnv(env), ...(env.ASSISTANTS_DEFAULT_PROVIDER ? { ASSISTANTS_DEFAULT_PROVIDER: env.ASSISTANTS_DEFAULT_PROVIDER } : {}), ...(env.ASSISTANTS_DEFAULT_MODEL ? { ASSISTANTS_DEFAULT_MODEL: env.ASSISTANTS_DEFAULT_MODEL } : {}) };
  const testModel = model.ASSISTANTS_DEFAULT_MODEL === "symbia-tiny-test";
  process.stdout.write(`Assistants answer with ${model.ASSISTANTS_DEFAULT_PROVIDER}/${model.ASSISTANTS_DEFAULT_MODEL}${testModel ? " — the built-in test model (one fixed sentence); set OPENAI_API_KEY, ANTHROPIC_API_KEY or HUGGINGFACE_API_KEY, or put a GGUF model in MODELS_DIR, for real answers" : ""}\n\n`);
  const rows = present.map(([id, name, port]) => [name, `http://127.0.0.1:${id === "website" ? websitePort : (env[`${id.toUpperCase()}_PORT`] ?? port)}`, relative(process.cwd(), join(logDir, `${id}.log`))]);
  const width = [14, 26];
  process.stdout.write(`${"service".padEnd(width[0])}${"url".padEnd(width[1])}log\n`);
  for (const [a, b, c] of rows) process.stdout.write(`${a.padEnd(width[0])}${b.padEnd(width[1])}${c}\n`);
  if (running.has("website")) process.stdout.write(`\nOpen http://127.0.0.1:${websitePort} for the website and its live chat.\n`);
  const missing = SERVICES.filter(([id]) => !present.some(([p]) => p === id)).map(([, name]) => name);
  if (missing.length) process.stdout.write(`\nNot built yet in this checkout: ${missing.join(", ")}\n`);
  process.stdout.write("\nPress Ctrl-C to stop.\n");
}

/**
 * The model the platform's assistants answer with, unless ASSISTANTS_DEFAULT_PROVIDER is set: the
 * first provider whose key is set (OpenAI, Anthropic, Hugging Face), else a GGUF model of
 * MODELS_DIR other than the built-in test model, else the test model (the assistants' default).
 */
function defaultModelEnv(env) {
  if (env.ASSISTANTS_DEFAULT_PROVIDER) return {};
  const hosted = [
    ["OPENAI_API_KEY", "openai", "gpt-4o-mini"],
    ["ANTHROPIC_API_KEY", "anthropic", "claude-3-5-haiku-latest"],
    ["HUGGINGFACE_API_KEY", "huggingface", "meta-llama/Llama-3.1-8B-Instruct"],
  ].find(([key]) => env[key]);
  if (hosted) return { ASSISTANTS_DEFAULT_PROVIDER: hosted[1], ASSISTANTS_DEFAULT_MODEL: env.ASSISTANTS_DEFAULT_MODEL || hosted[2] };
  const dir = env.MODELS_DIR || join(root, ".symbia", "models");
  const gguf = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".gguf") && !f.startsWith("symbia-tiny-test")).sort()[0] : undefined;
  return gguf ? { ASSISTANTS_DEFAULT_PROVIDER: "symbia-labs", ASSISTANTS_DEFAULT_MODEL: env.ASSISTANTS_DEFAULT_MODEL || gguf.slice(0, -".gguf".length) } : {};
}

/** Ports and service URLs moved by SYMBIA_PORT_OFFSET (nothing when the offset is 0). */
function portEnv() {
  if (!portOffset) return {};
  return Object.fromEntries(
    SERVICES.flatMap(([id, , port]) => [
      [`${id.toUpperCase()}_PORT`, String(port + portOffset)],
      [`${id.toUpperCase()}_SERVICE_URL`, `http://127.0.0.1:${port + portOffset}`],
    ]),
  );
}

/** Generates the stack's secrets once into .env (mode 0600); never a default in code. */
function ensureSecrets(envPath) {
  const existing = existsSync(envPath) ? dotenv.parse(readFileSync(envPath)) : {};
  const wanted = {
    SESSION_SECRET: () => randomBytes(32).toString("hex"),
    NETWORK_HASH_SECRET: () => randomBytes(32).toString("hex"),
    CREDENTIAL_ENCRYPTION_KEY: () => randomBytes(32).toString("hex"),
    ...Object.fromEntries(SERVICES.map(([id]) => [`${id.toUpperCase()}_SERVICE_SECRET`, () => randomBytes(24).toString("hex")])),
  };
  const added = Object.entries(wanted).filter(([k]) => !existing[k]).map(([k, make]) => `${k}=${make()}`);
  if (added.length) {
    const header = existsSync(envPath) ? "" : "# Generated by npm start: secrets of this installation. Keep private.\n";
    writeFileSync(envPath, `${header}${added.join("\n")}\n`, { flag: "a", mode: 0o600 });
  }
  chmodSync(envPath, 0o600);
}

async function waitReady(base, name, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready at ${base} within ${timeoutMs / 1000} s`);
}

async function ask(question, { silent = false } = {}) {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (silent) {
    const write = rl._writeToOutput?.bind(rl);
    rl._writeToOutput = (s) => (s.includes(question) ? write?.(s) : undefined);
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
    if (silent) process.stdout.write("\n");
  }
}

/**
 * The platform's two assistants in the admin's organization (idempotent: `symbia assistants
 * install` keeps what exists), so the live chat has someone to talk to.
 */
async function installAssistants(env, admin) {
  const configDir = mkdtempSync(join(tmpdir(), "symbia-start-"));
  const cli = (args, input = "") =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [join(root, "symbia-cli", "bin", "symbia.mjs"), ...args], { cwd: root, env: { ...env, SYMBIA_CONFIG_DIR: configDir }, stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.stdin.end(input);
      child.once("exit", (code) => resolve({ code, out }));
    });
  try {
    const login = await cli(["login", "--email", admin.email, "--password-stdin"], admin.password);
    const result = login.code === 0 ? await cli(["-o", "json", "assistants", "install"]) : login;
    if (result.code !== 0) {
      process.stdout.write(`\nThe platform's assistants were not installed in your organization: ${result.out.trim()}\nRun \`npx symbia assistants install\` once the stack runs.\n`);
      return;
    }
    const installed = JSON.parse(result.out);
    process.stdout.write(`\nAssistants in your organization: ${installed.map((a) => `${a.agentId} (${a.status})`).join(", ")}\n`);
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

/** First run: create the super admin from a prompt (or say how, when not interactive). */
async function ensureAdmin(env, identityUrl) {
  const { needsAdmin } = await (await fetch(`${identityUrl}/api/auth/setup`)).json();
  if (!needsAdmin) return;
  if (flags["skip-admin"]) {
    process.stdout.write("\nNo admin yet (--skip-admin). The first account registered becomes super admin.\n");
    return;
  }
  if (!process.stdin.isTTY) {
    process.stdout.write("\nNo admin yet. Set SYMBIA_ADMIN_EMAIL and SYMBIA_ADMIN_PASSWORD (and restart), or register the first account: it becomes super admin.\n");
    return;
  }
  process.stdout.write("\nFirst run: create the super admin.\n");
  for (;;) {
    const email = await ask("  email: ");
    const name = (await ask("  name [Administrator]: ")) || "Administrator";
    const orgName = (await ask("  organization [Symbia]: ")) || "Symbia";
    const password = await ask("  password (12+ characters): ", { silent: true });
    const res = await fetch(`${identityUrl}/api/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, name, password, orgName }) });
    if (res.status === 201) {
      process.stdout.write(`  Super admin ${email} created with organization ${orgName}.\n`);
      return { email, password };
    }
    const body = await res.json().catch(() => ({}));
    process.stdout.write(`  ${body.error?.message ?? `failed (${res.status})`}; try again.\n`);
  }
}
