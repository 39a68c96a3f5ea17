import { createHash, randomUUID } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { chmod, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AppError } from "@symbia/sys";

/** Temp files older than this are leftovers of a crashed process and are swept at start. */
const STALE_TEMP_MS = 60 * 60_000;

/**
 * Content-addressed artifact bytes on the local filesystem.
 *
 * Layout under the root (`CATALOG_ARTIFACTS_DIR`):
 * ```
 * tmp/<uuid>.part                    an upload in progress (deleted when it fails)
 * blobs/sha256/<hex[0:2]>/<hex>      the bytes whose SHA-256 is <hex>, read-only (0444)
 * ```
 * A blob is written once, under its digest, by an atomic rename from `tmp/` (same filesystem),
 * so a reader never sees a half-written blob and identical uploads share one file. Rows in the
 * `artifacts` table point at blobs by digest; a blob no row references is deleted.
 */
export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;
  private readonly blobDir: string;
  /** Serializes commit and delete of one digest in this process (an upload racing a clean-up). */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(root: string) {
    this.root = resolve(root);
    this.tmpDir = join(this.root, "tmp");
    this.blobDir = join(this.root, "blobs", "sha256");
  }

  /** Creates the directories and sweeps temp files left by a crash (older than an hour). */
  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    await mkdir(this.blobDir, { recursive: true, mode: 0o700 });
    const now = Date.now();
    for (const name of await readdir(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
    }
  }

  /** A fresh temp path for an upload. */
  tempPath(): string {
    return join(this.tmpDir, `${randomUUID()}.part`);
  }

  /** Path of the blob with `digest` (`sha256:<hex>`). */
  pathOf(digest: string): string {
    const hex = hexOf(digest);
    return join(this.blobDir, hex.slice(0, 2), hex);
  }

  /**
   * Moves a finished upload into place under its digest (a no-op move when the blob already
   * exists: same digest, same bytes) and then runs `register` (the database insert) while no
   * clean-up of that digest can run.
   */
  async commit<T>(tempPath: string, digest: string, register: () => Promise<T>): Promise<T> {
    return this.withLock(digest, async () => {
      const path = this.pathOf(digest);
      const existing = await stat(path).catch(() => null);
      if (existing) await rm(tempPath, { force: true });
      else {
        await mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
        await rename(tempPath, path);
        await chmod(path, 0o444);
      }
      return register();
    });
  }

  /** Deletes the blob of `digest` when `stillReferenced()` says no row points at it. */
  async removeIfUnreferenced(digest: string, stillReferenced: () => Promise<boolean>): Promise<boolean> {
    return this.withLock(digest, async () => {
      if (await stillReferenced()) return false;
      await rm(this.pathOf(digest), { force: true });
      return true;
    });
  }

  /** True when the blob file exists. */
  async has(digest: string): Promise<boolean> {
    return (await stat(this.pathOf(digest)).catch(() => null)) !== null;
  }

  /**
   * Checks the stored bytes against their digest and size by reading them all, then opens them for
   * reading. Bytes that fail the check are never handed out.
   * @throws AppError internal ("failed its integrity check") when the file is missing, has another
   * size, or hashes to another digest.
   */
  async openVerified(digest: string, size: number): Promise<ReadStream> {
    const path = this.pathOf(digest);
    const info = await stat(path).catch(() => null);
    if (!info) throw integrityError(digest, "the stored file is missing");
    if (info.size !== size) throw integrityError(digest, `the stored file has ${info.size} bytes, not ${size}`);
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== digest) throw integrityError(digest, `the stored bytes hash to ${actual}`);
    return createReadStream(path);
  }

  /** Removes a temp file (after a failed upload). */
  async discard(tempPath: string): Promise<void> {
    await rm(tempPath, { force: true });
  }

  /** Names of files in `tmp/` (tests check that failed uploads leave none). */
  async tempFiles(): Promise<string[]> {
    return readdir(this.tmpDir);
  }

  /** Every blob digest on disk (tests and maintenance). */
  async blobDigests(): Promise<string[]> {
    const out: string[] = [];
    for (const prefix of await readdir(this.blobDir).catch(() => [])) {
      for (const name of await readdir(join(this.blobDir, prefix)).catch(() => [])) out.push(`sha256:${name}`);
    }
    return out.sort();
  }

  private async withLock<T>(digest: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(digest) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(digest, tail);
    void tail.then(() => {
      if (this.locks.get(digest) === tail) this.locks.delete(digest);
    });
    return run;
  }
}

function hexOf(digest: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!match) throw new AppError("internal", `malformed digest ${digest}`);
  return match[1]!;
}

/** The loud failure of a download whose stored bytes are not what was uploaded. */
export function integrityError(digest: string, why: string): AppError {
  return new AppError("internal", `artifact ${digest} failed its integrity check: ${why}; refusing to serve it`, { digest });
}
