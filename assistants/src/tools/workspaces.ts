import { randomBytes, randomInt } from "node:crypto";
import { chmod, chown, mkdir, readFile, readdir, realpath, rm, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "@symbia/sys";

/** A workspace id: `ws_` and 24 lowercase hex digits. Nothing else ever becomes a path. */
export const WORKSPACE_ID = /^ws_[0-9a-f]{24}$/;

/** A workspace as stored: its folder, its own sandbox uid/gid, and who made it. */
export interface Workspace {
  id: string;
  /** Resolved host path of the workspace folder (`<workspacesDir>/<id>`). */
  dir: string;
  uid: number;
  gid: number;
  label?: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  createdBy?: { principalId?: string; runId?: string; conversationId?: string };
}

/**
 * Workspace folders under `workspacesDir` and their bookkeeping in `<workspacesDir>/.sandbox/`:
 * `meta/<id>.json` (the record), `uids/<uid>` (a uid taken; `mkdir` is atomic, so two processes
 * sharing the folder never get the same uid) and `mnt/` (the empty mount point sandboxes build
 * their root on, each in its own mount namespace). Everything is root-owned and 0700 except the
 * workspace folders, owned 0700 by the workspace's uid.
 */
export class WorkspaceStore {
  readonly root: string;
  readonly mountDir: string;
  private readonly metaDir: string;
  private readonly uidsDir: string;

  constructor(
    root: string,
    private readonly uidBase: number,
    private readonly uidCount: number,
  ) {
    this.root = root;
    this.mountDir = join(root, ".sandbox", "mnt");
    this.metaDir = join(root, ".sandbox", "meta");
    this.uidsDir = join(root, ".sandbox", "uids");
  }

  /** Creates the folders (idempotent) and tightens their modes. */
  async init(): Promise<void> {
    for (const dir of [this.root, join(this.root, ".sandbox"), this.mountDir, this.metaDir, this.uidsDir]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
  }

  private async allocateUid(): Promise<number> {
    const start = randomInt(this.uidCount);
    for (let i = 0; i < this.uidCount; i += 1) {
      const uid = this.uidBase + ((start + i) % this.uidCount);
      try {
        await mkdir(join(this.uidsDir, String(uid)));
        return uid;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    throw new AppError("unavailable", `no free sandbox uid left in ${this.uidBase}..${this.uidBase + this.uidCount - 1}`);
  }

  /** Makes a new workspace folder owned by a fresh uid. */
  async create(input: { label?: string; createdBy?: Workspace["createdBy"] }): Promise<Workspace> {
    const id = `ws_${randomBytes(12).toString("hex")}`;
    const uid = await this.allocateUid();
    const dir = join(this.root, id);
    try {
      await mkdir(dir, { mode: 0o700 });
      await chown(dir, uid, uid);
      await chmod(dir, 0o700);
      const workspace: Workspace = { id, dir: await realpath(dir), uid, gid: uid, createdAt: new Date().toISOString() };
      if (input.label !== undefined) workspace.label = input.label;
      if (input.createdBy !== undefined) workspace.createdBy = input.createdBy;
      await writeFile(join(this.metaDir, `${id}.json`), JSON.stringify(workspace), { mode: 0o600 });
      return workspace;
    } catch (error) {
      // Leave nothing half made: no folder, no record, the uid free again.
      await rm(dir, { recursive: true, force: true });
      await rm(join(this.metaDir, `${id}.json`), { force: true });
      await rmdir(join(this.uidsDir, String(uid))).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The workspace with this id.
   * @throws AppError("not_found") for a malformed or unknown id.
   */
  async get(id: string): Promise<Workspace> {
    if (!WORKSPACE_ID.test(id)) throw new AppError("not_found", "workspace not found", { workspaceId: id });
    try {
      return JSON.parse(await readFile(join(this.metaDir, `${id}.json`), "utf8")) as Workspace;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new AppError("not_found", "workspace not found", { workspaceId: id });
      throw error;
    }
  }

  /** Every workspace, oldest first. */
  async list(): Promise<Workspace[]> {
    const names = (await readdir(this.metaDir)).filter((name) => name.endsWith(".json"));
    const all = await Promise.all(names.map((name) => this.get(name.slice(0, -5)).catch(() => null)));
    return all.filter((w): w is Workspace => w !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Deletes the folder (symlinks inside are removed, never followed), the record and the uid. */
  async destroy(id: string): Promise<Workspace> {
    const workspace = await this.get(id);
    await rm(join(this.root, id), { recursive: true, force: true });
    await rm(join(this.metaDir, `${id}.json`), { force: true });
    await rmdir(join(this.uidsDir, String(workspace.uid))).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    return workspace;
  }
}
