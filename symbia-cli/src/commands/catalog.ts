import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, rename, stat, unlink } from "node:fs/promises";
import { basename } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SingleBar, Presets } from "cli-progress";
import type { Command } from "commander";
import { Api, type GlobalOptions } from "../api.js";
import { CliError, EXIT } from "../errors.js";
import { printObject, printRows } from "../output.js";

const ref = (key: string) => encodeURIComponent(key);

/** A transform that counts bytes into a progress bar (on stderr, only for a terminal). */
function progress(total: number, label: string): { tap: Transform; stop: () => void } {
  const bar = process.stderr.isTTY && total > 0 ? new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total} bytes`, stream: process.stderr }, Presets.shades_classic) : null;
  bar?.start(total, 0);
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      bar?.update(done);
      cb(null, chunk);
    },
  });
  return { tap, stop: () => bar?.stop() };
}

/** `symbia catalog …`: resources, versions, publishing, artifacts. */
export function catalogCommands(program: Command, globals: () => GlobalOptions): void {
  const catalog = program.command("catalog").description("versioned, frozen, signed resources");
  catalog
    .command("list")
    .option("--type <type>", "component|graph|executor|assistant|context|integration")
    .option("-q, --query <text>", "search text")
    .action(async (opts: { type?: string; query?: string }) => {
      const options = globals();
      const api = await Api.open(options);
      const params = new URLSearchParams({ ...(opts.type ? { type: opts.type } : {}), ...(opts.query ? { q: opts.query } : {}) });
      const items = opts.query
        ? ((await api.request("catalog", "GET", `/api/search?${params}`)).items as { resource: Record<string, unknown> }[]).map((i) => i.resource)
        : (await api.request("catalog", "GET", `/api/resources?${params}`)).items;
      printRows(options, items, [["key", (r: any) => r.key], ["type", (r: any) => r.type], ["status", (r: any) => r.status], ["version", (r: any) => r.latestVersion ?? ""], ["visibility", (r: any) => r.visibility]]);
    });
  catalog.command("get <key>").action(async (key: string) => {
    const options = globals();
    printObject(options, await (await Api.open(options)).request("catalog", "GET", `/api/resources/${ref(key)}`));
  });
  catalog
    .command("create <file>")
    .description("create a resource from a JSON file ({type, name, title?, description?, tags?, visibility?, body})")
    .action(async (file: string) => {
      const options = globals();
      const body = JSON.parse(await readFile(file, "utf8")) as unknown;
      printObject(options, await (await Api.open(options)).request("catalog", "POST", "/api/resources", body));
    });
  catalog
    .command("publish <key>")
    .option("-m, --changelog <text>", "what changed")
    .action(async (key: string, opts: { changelog?: string }) => {
      const options = globals();
      const version = await (await Api.open(options)).request("catalog", "POST", `/api/resources/${ref(key)}/publish`, opts.changelog ? { changelog: opts.changelog } : {});
      printObject(options, { key, version: version.version, digest: version.digest });
    });
  catalog.command("versions <key>").action(async (key: string) => {
    const options = globals();
    const res = await (await Api.open(options)).request("catalog", "GET", `/api/resources/${ref(key)}/versions`);
    printRows(options, res.items, [["version", (v: any) => v.version], ["status", (v: any) => v.status], ["digest", (v: any) => v.digest], ["published", (v: any) => v.publishedAt]]);
  });

  const artifact = catalog.command("artifact").description("artifacts of a resource (streamed, digest-checked)");
  artifact
    .command("upload <key> <file>")
    .description("attach a file to the draft (frozen into the next published version)")
    .option("--name <name>", "artifact name (default: the file name)")
    .option("--type <contentType>", "declared content type", "application/octet-stream")
    .action(async (key: string, file: string, opts: { name?: string; type: string }) => {
      const options = globals();
      const size = (await stat(file)).size;
      const bar = progress(size, "upload");
      const hash = createHash("sha256");
      const body = Readable.toWeb(createReadStream(file).pipe(bar.tap).pipe(new Transform({ transform: (c: Buffer, _e, cb) => (hash.update(c), cb(null, c)) }))) as unknown as NonNullable<RequestInit["body"]>;
      try {
        const res = await (await Api.open(options)).raw("catalog", "PUT", `/api/resources/${ref(key)}/draft/artifacts/${encodeURIComponent(opts.name ?? basename(file))}`, {
          body,
          headers: { "content-type": opts.type, "content-length": String(size) },
        });
        const stored = (await res.json()) as { digest?: string; sha256?: string };
        const local = `sha256:${hash.digest("hex")}`;
        const remote = stored.digest ?? (stored.sha256 ? `sha256:${stored.sha256}` : undefined);
        if (remote && remote !== local) throw new CliError(`digest mismatch: sent ${local}, catalog stored ${remote}`, EXIT.error);
        printObject(options, stored as Record<string, unknown>);
      } finally {
        bar.stop();
      }
    });
  artifact
    .command("download <key> <version> <name> [out]")
    .description("download a published artifact; the file appears only if its SHA-256 matches")
    .action(async (key: string, version: string, name: string, out: string | undefined) => {
      const options = globals();
      const target = out ?? name;
      const res = await (await Api.open(options)).raw("catalog", "GET", `/api/resources/${ref(key)}/versions/${encodeURIComponent(version)}/artifacts/${encodeURIComponent(name)}`);
      const expected = (res.headers.get("digest") ?? res.headers.get("x-content-sha256") ?? res.headers.get("etag") ?? "").replace(/"/g, "");
      const bar = progress(Number(res.headers.get("content-length") ?? 0), "download");
      const hash = createHash("sha256");
      const tmp = `${target}.part`;
      try {
        await pipeline(Readable.fromWeb(res.body as never), bar.tap, new Transform({ transform: (c: Buffer, _e, cb) => (hash.update(c), cb(null, c)) }), createWriteStream(tmp));
      } finally {
        bar.stop();
      }
      const got = hash.digest("hex");
      if (expected && !expected.includes(got)) {
        await unlink(tmp).catch(() => undefined);
        throw new CliError(`digest mismatch: expected ${expected}, got sha256:${got}`, EXIT.error);
      }
      await rename(tmp, target);
      process.stderr.write(`Saved ${target} (sha256:${got}).\n`);
    });
}
