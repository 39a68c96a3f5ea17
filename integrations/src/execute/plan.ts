import { AppError } from "@symbia/sys";
import { z } from "zod";
import { modelFor, type ProviderSettings } from "../model-config/model-config.js";
import type { ExecuteRequest, ProviderRef } from "./execute.schemas.js";
import type { GatewayDeps } from "./gateway.js";

/** A provider and model to try, in order. */
export interface Candidate {
  provider: ProviderSettings;
  model: string;
}

/**
 * The providers to try for a request in the org: the one asked for (or the org's default), then
 * the request's fallback list (or the org's). An unknown provider or a missing model is a 400 when
 * the caller named it; an org fallback entry that does not resolve is skipped with a warning.
 * Duplicates are tried once.
 */
export async function planCandidates(deps: Pick<GatewayDeps, "modelConfig" | "logger">, orgId: string, request: ExecuteRequest): Promise<Candidate[]> {
  const config = await deps.modelConfig.forOrg(orgId);
  const refs: { ref: ProviderRef; named: boolean }[] = [
    { ref: { provider: request.provider ?? config.defaultProvider, ...(request.model ? { model: request.model } : {}) }, named: true },
    ...(request.fallback ?? config.fallback).map((ref) => ({ ref, named: request.fallback !== undefined })),
  ];
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const [i, { ref, named }] of refs.entries()) {
    const where = i === 0 ? "provider" : `fallback.${i - 1}`;
    const provider = config.providers.get(ref.provider);
    const model = provider ? modelFor(provider, request.operation, ref.model) : undefined;
    const problem = !provider ? `unknown provider ${ref.provider}` : !model ? `no model given and provider ${ref.provider} has no default model for ${request.operation}` : null;
    if (problem) {
      if (named) throw new AppError("bad_request", problem, { category: "invalid_request", path: where, providers: [...config.providers.keys()] });
      deps.logger.warn({ orgId, provider: ref.provider }, `fallback entry skipped: ${problem}`);
      continue;
    }
    const key = `${provider!.id}\u0000${model}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ provider: provider!, model: model! });
  }
  return out;
}

/** Default parameters a provider configuration may set; anything else, or a value of the wrong shape, is ignored. */
const SamplingDefaults = {
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  maxTokens: z.int().min(1),
  stop: z.array(z.string().min(1)).max(4),
  seed: z.int(),
};

/**
 * The request's params over the provider's default parameters (catalog or env configuration):
 * only sampling parameters (temperature, topP, maxTokens, stop, seed) are taken from the defaults.
 */
export function withDefaults<P extends object>(params: P, provider: ProviderSettings, operation: ExecuteRequest["operation"]): P {
  if (operation === "embeddings") return params;
  const defaults: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(SamplingDefaults)) {
    const parsed = schema.safeParse(provider.parameters[key]);
    if (parsed.success) defaults[key] = parsed.data;
  }
  return { ...defaults, ...params };
}
