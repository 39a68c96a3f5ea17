import { spawnNetwork as spawnNetworkProcess, type IdentityProcess, type ServiceProcess } from "@symbia/id/testing";

/** The real network service in a child process, for catalog's relay events tests. */
export type NetworkProcess = ServiceProcess;

/**
 * Starts the network service (`network/src/index.ts` under tsx) on a free port against a test
 * identity, with fast heartbeats and the default contracts, via `spawnNetwork` of @symbia/id/testing.
 */
export function spawnNetwork(identity: IdentityProcess): Promise<NetworkProcess> {
  return spawnNetworkProcess(identity);
}
