import type { AdapterEvent, ProviderRequest } from "../src/providers/provider.js";

/** An adapter request to a local wire server. */
export function req<P>(baseUrl: string, model: string, params: P, apiKey: string | null = "sk-test-key-0123456789", signal: AbortSignal = new AbortController().signal): ProviderRequest<P> {
  return { model, params, apiKey, baseUrl, signal, headers: {} };
}

/** Every event of an adapter stream. */
export async function collect(events: AsyncIterable<AdapterEvent>): Promise<AdapterEvent[]> {
  const out: AdapterEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The text of the delta events. */
export function textOf(events: AdapterEvent[]): string {
  return events.map((e) => (e.type === "delta" ? (e.content ?? "") : "")).join("");
}
