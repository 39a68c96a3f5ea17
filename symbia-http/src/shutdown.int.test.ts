import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const child = fileURLToPath(new URL("../test/shutdown-child.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

describe("graceful shutdown (real child process, SIGTERM)", () => {
  it("finishes the in-flight request, answers not-ready while draining, then refuses connections and exits 0", async () => {
    const proc = spawn(tsx, [child], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      proc.stdout.on("data", (d) => {
        out += String(d);
        const match = /PORT (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      proc.once("exit", () => reject(new Error(`child exited early: ${stderr}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    const slow = fetch(`${base}/api/slow?ms=1500`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 200));
    proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 150));
    // Pre-shutdown delay: still accepting connections, but not ready.
    const during = await fetch(`${base}/health/ready`, { headers: { connection: "close" } });
    expect(during.status).toBe(503);
    expect(((await during.json()) as { reason: string }).reason).toBe("shutting down");

    expect(await slow).toEqual({ status: 200, body: { slept: 1500 } });
    expect(await exited).toBe(0);
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    expect(stderr).toContain("hook ran");
  }, 20_000);
});
