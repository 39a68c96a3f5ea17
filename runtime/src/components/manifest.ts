import { z } from "zod";
import { JsonSchemaSchema, type JsonSchema } from "./json-schema.js";
import type { ExpressionSandbox } from "./sandbox.js";

/** Name of the output port every node has implicitly; a node's errors go there when it is configured to. */
export const ERROR_PORT = "error";

/** Type of the values on every node's {@link ERROR_PORT}. */
export const ERROR_PORT_SCHEMA = {
  type: "object",
  required: ["node", "message"],
  properties: {
    node: { type: "string" },
    port: { type: "string" },
    code: { type: "string" },
    message: { type: "string" },
    value: {},
  },
} as const satisfies JsonSchema;

/** Port names: identifiers, `error` excluded (reserved for {@link ERROR_PORT}). */
export const PortName = z
  .string()
  .regex(/^[a-z][A-Za-z0-9_]{0,63}$/, "a port name is a lower-case identifier")
  .refine((name) => name !== ERROR_PORT, { message: `"${ERROR_PORT}" is reserved for the error port` });

/** One typed port of a component: values on it must match `schema` (JSON Schema 2020-12). */
export const PortSpec = z.object({
  name: PortName,
  description: z.string().max(500).optional(),
  schema: JsonSchemaSchema,
});
export type PortSpec = z.infer<typeof PortSpec>;

/**
 * What a component declares about itself; published to catalog as a `component` resource.
 * Ports listed here are the defaults: some built-ins derive their ports from their config
 * (merge's input names, typed passthrough), which `ComponentDefinition.ports` computes.
 */
export const ComponentManifest = z.object({
  /** Stable id, e.g. `map`; nodes refer to it as `component`. */
  id: z.string().regex(/^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*)*$/),
  /** Semantic version `MAJOR.MINOR.PATCH`. */
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  name: z.string().min(1).max(100),
  description: z.string().min(1).max(2_000),
  inputs: z.array(PortSpec),
  outputs: z.array(PortSpec),
  /** JSON Schema of the node's `config`. */
  config: JsonSchemaSchema,
  /** True when the component keeps state between values and checkpoints it. */
  stateful: z.boolean(),
  /** How config changes the ports, when it does (documentation for graph authors). */
  portsFromConfig: z.string().optional(),
});
export type ComponentManifest = z.infer<typeof ComponentManifest>;

/** The ports a node actually has, after its config is applied. */
export interface ResolvedPorts {
  inputs: PortSpec[];
  outputs: PortSpec[];
}

/** A cancellable timer handle given out by {@link NodeContext.setTimer}. */
export type TimerHandle = { readonly id: number };

/**
 * What the engine gives a component instance: its identity and config, a way to emit values
 * (checked against the output port's type; an invalid value throws), timers that the engine
 * cancels with the execution, and sandboxes for JavaScript expressions.
 */
export interface NodeContext {
  readonly nodeId: string;
  readonly config: Record<string, unknown>;
  /** The execution the node runs in, and its tenant (calls to other services act in that org). */
  readonly execution: { readonly id: string; readonly orgId: string };
  /** Aborted when the execution is cancelled or fails; long waits in `receive` must honour it. */
  readonly signal: AbortSignal;
  /**
   * Sends `value` on output `port` to every connected input (or to the execution's outputs when
   * the port is not connected).
   * @throws PortValueError when the value does not match the port's type.
   */
  emit(port: string, value: unknown): void;
  /** Calls `fn` after `ms` milliseconds; a throw in `fn` is this node's error. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** Milliseconds since the epoch, from the engine's clock. */
  now(): number;
  /** A compiled expression in its own QuickJS sandbox with the engine's limits; disposed with the node. */
  sandbox(expression: string): Promise<ExpressionSandbox>;
}

/** A running node: receives values on its input ports and emits on its outputs through its context. */
export interface ComponentInstance {
  /** Handles one value arriving on input `port`. A throw (or rejection) is this node's error. */
  receive(port: string, value: unknown): void | Promise<void>;
  /** Input has ended: emit what is still held (partial windows, delayed values). */
  flush?(): void | Promise<void>;
  /** JSON-serializable state for a checkpoint; stateless components omit it. */
  checkpoint?(): unknown;
  /** Restores state captured by {@link checkpoint} (called before any value arrives). */
  restore?(state: unknown): void;
  /** Releases resources (sandboxes are disposed by the engine). */
  dispose?(): void;
}

/** A component the engine can run: its manifest, port resolution and a factory. */
export interface ComponentDefinition {
  manifest: ComponentManifest;
  /** The node's ports for a given (already schema-valid) config; defaults to the manifest's. */
  ports?(config: Record<string, unknown>): ResolvedPorts;
  /** Extra config checks beyond the config schema; returns `[configPath, message]` pairs. */
  checkConfig?(config: Record<string, unknown>): Array<[string, string]>;
  create(context: NodeContext): ComponentInstance | Promise<ComponentInstance>;
}

/** Ports of `definition` for `config`: its own resolution, or the manifest's ports. */
export function resolvePorts(definition: ComponentDefinition, config: Record<string, unknown>): ResolvedPorts {
  return definition.ports ? definition.ports(config) : { inputs: definition.manifest.inputs, outputs: definition.manifest.outputs };
}

/**
 * The components an engine knows, by id and version. `get(id)` without a version answers the
 * highest registered version.
 */
export class ComponentRegistry {
  private readonly byId = new Map<string, Map<string, ComponentDefinition>>();

  /**
   * Adds a component.
   * @throws Error when the manifest is invalid or the same id and version is already registered.
   */
  register(definition: ComponentDefinition): this {
    const manifest = ComponentManifest.parse(definition.manifest);
    const versions = this.byId.get(manifest.id) ?? new Map<string, ComponentDefinition>();
    if (versions.has(manifest.version)) throw new Error(`component ${manifest.id}@${manifest.version} is already registered`);
    versions.set(manifest.version, definition);
    this.byId.set(manifest.id, versions);
    return this;
  }

  /** The component `id` at `version` (or its highest version), or undefined. */
  get(id: string, version?: string): ComponentDefinition | undefined {
    const versions = this.byId.get(id);
    if (!versions) return undefined;
    if (version !== undefined) return versions.get(version);
    return [...versions.values()].sort((a, b) => compareVersions(b.manifest.version, a.manifest.version))[0];
  }

  /** The versions registered for `id`, highest first. */
  versions(id: string): string[] {
    return [...(this.byId.get(id)?.keys() ?? [])].sort((a, b) => compareVersions(b, a));
  }

  /** Every registered manifest, by id then version. */
  manifests(): ComponentManifest[] {
    return [...this.byId.values()].flatMap((versions) => [...versions.values()].map((d) => d.manifest));
  }
}

/** Orders `MAJOR.MINOR.PATCH` strings numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
