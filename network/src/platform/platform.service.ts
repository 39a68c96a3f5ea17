import type { PlatformHealth, ServiceHealth } from "@symbia/relay";
import { SERVICES } from "@symbia/sys";
import type { NetworkDeps } from "../deps.js";

/**
 * Probes `GET /health/ready` of every platform service (`{SERVICE}_SERVICE_URL`) in parallel,
 * each within `platformHealthTimeoutMs`, and adds whether its node is registered on the network.
 */
export async function platformHealth(deps: NetworkDeps): Promise<PlatformHealth> {
  const services = await Promise.all(
    SERVICES.map(async ({ id }): Promise<ServiceHealth> => {
      const url = deps.config.serviceUrls[id];
      const node = deps.registry.get(`service:${id}`);
      const base = { service: id, url, node: node ? { id: node.id, status: node.status } : null };
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(deps.config.platformHealthTimeoutMs) });
        const body = (await res.json().catch(() => null)) as { reason?: unknown } | null;
        const detail = typeof body?.reason === "string" ? body.reason : null;
        return { ...base, status: res.status === 200 ? "ready" : "not_ready", httpStatus: res.status, durationMs: performance.now() - t0, detail };
      } catch (error) {
        const detail = (error as Error).name === "TimeoutError" ? `no answer in ${deps.config.platformHealthTimeoutMs} ms` : ((error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
        return { ...base, status: "unreachable", httpStatus: null, durationMs: performance.now() - t0, detail };
      }
    }),
  );
  return { status: services.every((s) => s.status === "ready") ? "ok" : "degraded", checkedAt: new Date().toISOString(), services };
}
