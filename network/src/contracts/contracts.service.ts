import { appErrorFromDatabase } from "@symbia/db";
import type { Contract, CreateContractBody, Page, UpdateContractBody } from "@symbia/relay";
import { AppError, type Principal, type Scope } from "@symbia/sys";
import type { NetworkDeps } from "../deps.js";
import type { OwnerScope } from "../db/scope.js";
import * as store from "./contracts.store.js";

type ParsedCreate = Omit<CreateContractBody, "platform"> & { platform: boolean };

/** The owner scope a write acts in: the platform for platform objects (super admins only), else the caller's org. */
export function ownerFor(caller: Principal, scope: Scope, platform: boolean): OwnerScope {
  if (!platform) return { orgId: scope.orgId };
  if (!caller.superAdmin) throw new AppError("forbidden", "platform-wide objects are managed by a super admin");
  return { orgId: null };
}

/** A page of the contracts the caller's org sees (its own and the platform's). */
export function listContracts(deps: NetworkDeps, scope: Scope, page: { limit: number; cursor?: string | undefined }): Promise<Page<Contract>> {
  return store.listContracts(deps.database.db, { orgId: scope.orgId }, page);
}

/** One contract the org sees. @throws AppError `not_found` (also for another org's). */
export async function getContract(deps: NetworkDeps, scope: Scope, id: string): Promise<Contract> {
  const contract = await store.findContract(deps.database.db, { orgId: scope.orgId }, id);
  if (!contract) throw new AppError("not_found", "contract not found");
  return contract;
}

/**
 * Creates a contract of the caller's org, or a platform contract (`platform: true`, super admin).
 * Takes effect for the next event: the routing table is reread before answering.
 */
export async function createContract(deps: NetworkDeps, caller: Principal, scope: Scope, body: ParsedCreate): Promise<Contract> {
  const { platform, ...terms } = body;
  const contract = await store.insertContract(deps.database.db, ownerFor(caller, scope, platform), terms, { createdBy: caller.id }).catch((e: unknown) => {
    throw appErrorFromDatabase(e);
  });
  await deps.tables.refresh();
  deps.logger.info({ contractId: contract.id, orgId: contract.orgId, from: contract.from, to: contract.to }, "contract created");
  return contract;
}

/** Resolves the owner scope of an existing contract for a change: 404 when unseen, 403 for a platform one without super admin. */
async function ownerOfExisting(deps: NetworkDeps, caller: Principal, scope: Scope, id: string): Promise<OwnerScope> {
  const existing = await getContract(deps, scope, id);
  return ownerFor(caller, scope, existing.orgId === null);
}

/** Changes a contract's terms (expiry included). @throws AppError `not_found`, `forbidden`. */
export async function updateContract(deps: NetworkDeps, caller: Principal, scope: Scope, id: string, patch: UpdateContractBody): Promise<Contract> {
  const owner = await ownerOfExisting(deps, caller, scope, id);
  const updated = await store.updateContract(deps.database.db, owner, id, patch);
  if (!updated) throw new AppError("not_found", "contract not found");
  await deps.tables.refresh();
  return updated;
}

/**
 * Deletes a contract; events it allowed are refused from the next one on. Default contracts may be
 * deleted by a super admin and come back at the next start (the defaults file is the source).
 * @throws AppError `not_found`, `forbidden`.
 */
export async function deleteContract(deps: NetworkDeps, caller: Principal, scope: Scope, id: string): Promise<void> {
  const owner = await ownerOfExisting(deps, caller, scope, id);
  if (!(await store.deleteContract(deps.database.db, owner, id))) throw new AppError("not_found", "contract not found");
  await deps.tables.refresh();
  deps.logger.info({ contractId: id }, "contract deleted");
}
