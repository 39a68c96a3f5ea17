import type { ActionEffects, EffectContext } from "../src/actions/effects.js";

/** The effect methods, named `<group>.<method>`. */
export type EffectName =
  | "llm.invoke" | "messaging.send" | "http.callService" | "http.callWebhook" | "handoff.create" | "handoff.route"
  | "state.transition" | "state.updateContext" | "tools.createWorkspace" | "tools.destroyWorkspace" | "tools.invoke";

/** One recorded effect call. */
export interface EffectCall {
  effect: EffectName;
  request: unknown;
  context: EffectContext;
}

type Behaviour = (request: never, context: EffectContext, call: number) => unknown;

/**
 * An implementation of the `ActionEffects` interface for tests: it records every call and
 * answers with the given behaviours (or plain defaults). This is the interface the service
 * wiring implements later (integrations, messaging, HTTP, stores, code tools), not a stand-in
 * for code that exists.
 */
export function recordingEffects(behaviours: Partial<Record<EffectName, Behaviour>> = {}, base?: Partial<ActionEffects>) {
  const calls: EffectCall[] = [];
  const counts = new Map<EffectName, number>();
  const defaults: Record<EffectName, Behaviour> = {
    "llm.invoke": () => ({ content: "model reply", finishReason: "stop", usage: { inputTokens: 3, outputTokens: 2 } }),
    "messaging.send": (_r, _c, n) => ({ messageId: `msg_${n}` }),
    "http.callService": () => ({ status: 200, body: { ok: true } }),
    "http.callWebhook": () => ({ status: 204, body: null }),
    "handoff.create": (_r, _c, n) => ({ handoffId: `hof_${n}` }),
    "handoff.route": () => undefined,
    "state.transition": () => undefined,
    "state.updateContext": () => undefined,
    "tools.createWorkspace": (_r, _c, n) => ({ workspaceId: `ws_${String(n).padStart(24, "0")}` }),
    "tools.destroyWorkspace": () => undefined,
    "tools.invoke": () => ({ tool: "file.read", output: { content: "x" }, audit: { id: "aud_1" } }),
  };
  const handler = (effect: EffectName) => async (request: unknown, context: EffectContext) => {
    const n = (counts.get(effect) ?? 0) + 1;
    counts.set(effect, n);
    calls.push({ effect, request: structuredClone(request), context });
    const behaviour = behaviours[effect] ?? defaults[effect];
    return (await behaviour(request as never, context, n)) as never;
  };
  const effects: ActionEffects = {
    llm: { invoke: handler("llm.invoke") },
    messaging: { send: handler("messaging.send") },
    http: { callService: handler("http.callService"), callWebhook: handler("http.callWebhook") },
    handoff: { create: handler("handoff.create"), route: handler("handoff.route") },
    state: { transition: handler("state.transition"), updateContext: handler("state.updateContext") },
    tools: { createWorkspace: handler("tools.createWorkspace"), destroyWorkspace: handler("tools.destroyWorkspace"), invoke: handler("tools.invoke") },
    ...base,
  };
  return {
    effects,
    calls,
    /** Calls of one effect, in order. */
    of: (effect: EffectName) => calls.filter((c) => c.effect === effect),
  };
}

/** A sleep that records the delays asked for and returns at once (unless the signal already aborted). */
export function recordingSleep() {
  const delays: number[] = [];
  const sleep = async (ms: number, signal: AbortSignal) => {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
    delays.push(ms);
  };
  return { sleep, delays };
}
