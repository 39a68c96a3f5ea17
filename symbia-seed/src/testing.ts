import { randomBytes } from "node:crypto";
import { spawnIdentity, spawnService, type IdentityProcess, type ServiceProcess, type TestUser } from "@symbia/id/testing";

/** Services in child processes on free ports: `@symbia/id/testing`'s helper, re-exported for the seed's fixtures. */
export { spawnService, type ServiceProcess } from "@symbia/id/testing";

/** The services a seed is applied to, with an operator (a super admin) logged in. */
export interface SeedStack {
  identity: IdentityProcess;
  network: ServiceProcess;
  messaging: ServiceProcess;
  catalog: ServiceProcess;
  /** The first user registered: identity's super admin. */
  admin: TestUser;
  /** Service URLs in the shape `applySeed` takes, with the admin's token. */
  urls: { identityUrl: string; messagingUrl: string; networkUrl: string; catalogUrl: string };
  /** `{SERVICE}_SERVICE_URL` variables pointing at this stack (for the CLI). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts identity, network, messaging and catalog (with its bootstrap resources, so the bootstrap
 * assistants exist) as child processes, and registers the super admin. Messaging and catalog
 * stay off the relay: the seed talks to each service over REST.
 */
export async function spawnSeedStack(): Promise<SeedStack> {
  const identity = await spawnIdentity();
  const started: ServiceProcess[] = [];
  try {
    const admin = await identity.registerUser({ email: `admin-${randomBytes(3).toString("hex")}@example.com`, orgName: "Operators" });
    const network = await spawnService(identity, "network", {
      NETWORK_HASH_SECRET: randomBytes(32).toString("hex"),
      NETWORK_HEARTBEAT_INTERVAL_MS: "500",
      NETWORK_HEARTBEAT_TIMEOUT_MS: "3000",
    });
    started.push(network);
    const messaging = await spawnService(identity, "messaging", {
      MESSAGING_RELAY: "false",
      MESSAGING_ASSISTANT_WEBHOOK_URL: "http://127.0.0.1:9/webhook",
      MESSAGING_WEBHOOK_RETRIES: "0",
      NETWORK_SERVICE_URL: network.url,
    });
    started.push(messaging);
    const catalog = await spawnService(identity, "catalog", { CATALOG_RELAY: "false", NETWORK_SERVICE_URL: network.url, CATALOG_ARTIFACTS_DIR: `/tmp/symbia-seed-catalog-${randomBytes(4).toString("hex")}` });
    started.push(catalog);
    return {
      identity,
      network,
      messaging,
      catalog,
      admin,
      urls: { identityUrl: identity.url, messagingUrl: messaging.url, networkUrl: network.url, catalogUrl: catalog.url },
      env: { IDENTITY_SERVICE_URL: identity.url, NETWORK_SERVICE_URL: network.url, MESSAGING_SERVICE_URL: messaging.url, CATALOG_SERVICE_URL: catalog.url },
      async stop() {
        for (const s of [...started].reverse()) await s.stop();
        await identity.stop();
      },
    };
  } catch (error) {
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
    await identity.stop();
    throw error;
  }
}
