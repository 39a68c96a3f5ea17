/** Identifier of one of the nine Symbia platform services. */
export type ServiceId =
  | "identity"
  | "logging"
  | "catalog"
  | "assistants"
  | "messaging"
  | "runtime"
  | "integrations"
  | "models"
  | "network";

/** Static description of a platform service: its id, display name, default port and start tier. */
export interface ServiceDefinition {
  /** Stable id, also the Postgres schema name and the env-var prefix (upper-cased). */
  readonly id: ServiceId;
  /** Human-readable name for tables and docs. */
  readonly name: string;
  /** Default TCP port when `{SERVICE}_PORT` is not set. */
  readonly port: number;
  /** Start order: tier 0 starts first (ARCHITECTURE §1 dependency tiers). */
  readonly tier: 0 | 1 | 2;
}

/** The nine platform services in start order (tier, then port). */
export const SERVICES: readonly ServiceDefinition[] = [
  { id: "identity", name: "Identity", port: 5001, tier: 0 },
  { id: "logging", name: "Logging", port: 5002, tier: 0 },
  { id: "network", name: "Network", port: 5054, tier: 0 },
  { id: "catalog", name: "Catalog", port: 5003, tier: 1 },
  { id: "messaging", name: "Messaging", port: 5005, tier: 1 },
  { id: "integrations", name: "Integrations", port: 5007, tier: 1 },
  { id: "assistants", name: "Assistants", port: 5004, tier: 2 },
  { id: "runtime", name: "Runtime", port: 5006, tier: 2 },
  { id: "models", name: "Models", port: 5008, tier: 2 },
] as const;

/** Every service id, in start order. */
export const SERVICE_IDS: readonly ServiceId[] = SERVICES.map((s) => s.id);

/**
 * Look up a service's static definition.
 * @throws Error when `id` is not one of the nine service ids.
 */
export function getService(id: ServiceId): ServiceDefinition {
  const found = SERVICES.find((s) => s.id === id);
  if (!found) throw new Error(`unknown service id: ${String(id)}`);
  return found;
}

/** True when `value` is one of the nine service ids. */
export function isServiceId(value: unknown): value is ServiceId {
  return typeof value === "string" && (SERVICE_IDS as readonly string[]).includes(value);
}

/** Env-var prefix of a service: `"messaging"` → `"MESSAGING"`. */
export function envPrefix(id: ServiceId): string {
  return id.toUpperCase();
}

/**
 * Base URL of a service: `{SERVICE}_SERVICE_URL` from `env` when set (trailing slashes removed),
 * else `http://127.0.0.1:<default port>`.
 *
 * The environment is passed in, never read here: a service's `config.ts` is the only reader of
 * `process.env`.
 */
export function serviceUrl(id: ServiceId, env: Readonly<Record<string, string | undefined>> = {}): string {
  const fromEnv = env[`${envPrefix(id)}_SERVICE_URL`];
  if (fromEnv && fromEnv.trim() !== "") return fromEnv.trim().replace(/\/+$/, "");
  return `http://127.0.0.1:${getService(id).port}`;
}

/** Base URLs of all nine services, resolved as {@link serviceUrl} does. */
export function serviceUrls(env: Readonly<Record<string, string | undefined>> = {}): Record<ServiceId, string> {
  return Object.fromEntries(SERVICE_IDS.map((id) => [id, serviceUrl(id, env)])) as Record<ServiceId, string>;
}
