import { deriveNodeKey } from "@symbia/relay";

/**
 * Per-node HMAC keys derived from `NETWORK_HASH_SECRET` (HKDF, `deriveNodeKey`), memoized. The
 * secret never leaves this object; a node receives only its own key, at registration.
 */
export class NodeKeys {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly secret: string,
    private readonly maxCached = 10_000,
  ) {}

  /** The key of `nodeId` (32 bytes). @throws Error for an invalid node id. */
  of(nodeId: string): Buffer {
    let key = this.cache.get(nodeId);
    if (!key) {
      key = deriveNodeKey(this.secret, nodeId);
      if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(nodeId, key);
    }
    return key;
  }
}
