import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { SERVICE_IDS, serviceUrl, type ServiceId } from "@symbia/sys";
import { z } from "zod";

/** One saved login. */
export const Profile = z.object({
  identityUrl: z.string(),
  accessToken: z.string().optional(),
  refreshToken: z.string().optional(),
  apiKey: z.string().optional(),
  /** Org selected with `symbia orgs use`. */
  orgId: z.string().optional(),
  email: z.string().optional(),
});
export type Profile = z.infer<typeof Profile>;

const Store = z.object({ profiles: z.record(z.string(), Profile).default({}) });
type Store = z.infer<typeof Store>;

/**
 * Where credentials live: `$SYMBIA_CONFIG_DIR`, else `$XDG_CONFIG_HOME/symbia`, else
 * `~/.config/symbia`. The CLI is the one place outside services' config.ts that reads the
 * environment: it is a user-facing tool.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SYMBIA_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "symbia");
}

/** Base URL of a service for the CLI: `{SERVICE}_SERVICE_URL` or the default local port. */
export function urlOf(service: ServiceId, env: NodeJS.ProcessEnv = process.env): string {
  return serviceUrl(service, env);
}

/** Every service URL (for `symbia status`). */
export function allUrls(env: NodeJS.ProcessEnv = process.env): [ServiceId, string][] {
  return SERVICE_IDS.map((id) => [id, urlOf(id, env)]);
}

const file = () => join(configDir(), "credentials.json");

/** Reads the saved profiles (empty when none). */
export async function loadStore(): Promise<Store> {
  try {
    return Store.parse(JSON.parse(await readFile(file(), "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw error;
  }
}

/** Writes the profiles atomically with mode 0600 (directory 0700). */
export async function saveStore(store: Store): Promise<void> {
  const path = file();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(store, null, 2), { mode: 0o600 });
  await rename(tmp, path);
  await chmod(path, 0o600);
}
