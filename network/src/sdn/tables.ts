import type { Db } from "@symbia/db";
import type { Contract, Policy } from "@symbia/relay";
import { listAllContractsAcrossOrgs } from "../contracts/contracts.store.js";
import { listPoliciesInForceAcrossOrgs } from "../policies/policies.store.js";

/**
 * Contracts and enabled policies of every org, in memory, for the live pipeline (one event must
 * not cost two database reads). Reread after every change this process makes and every
 * `NETWORK_TABLES_REFRESH_MS` (changes made by another instance). Expired contracts stay in the
 * table so a refused event's trace can say `contract_expired` rather than `no_contract`.
 */
export class RoutingTables {
  contracts: Contract[] = [];
  policies: Policy[] = [];
  private pending: Promise<void> | undefined;
  private again = false;

  constructor(private readonly db: Db) {}

  /** Rereads both tables; concurrent calls coalesce, and a call during a read triggers one more read. */
  refresh(): Promise<void> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = (async () => {
      try {
        do {
          this.again = false;
          const [contracts, policies] = await Promise.all([listAllContractsAcrossOrgs(this.db), listPoliciesInForceAcrossOrgs(this.db)]);
          this.contracts = contracts;
          this.policies = policies;
        } while (this.again);
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
