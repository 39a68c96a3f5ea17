import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  RELEASE_SYNC,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
} from "quickjs-emscripten";

/** Limits every expression evaluation runs under. */
export interface SandboxLimits {
  /** Wall-clock budget of one evaluation, in ms. */
  timeoutMs: number;
  /** Heap of the sandbox's QuickJS runtime, in bytes. */
  memoryBytes: number;
  /** QuickJS stack, in bytes; kept small so QuickJS stops deep recursion before the host's stack does. */
  stackBytes: number;
}

/** Defaults: 100 ms, 16 MiB heap, 128 KiB stack. */
export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = Object.freeze({ timeoutMs: 100, memoryBytes: 16 * 1024 * 1024, stackBytes: 128 * 1024 });

// Compiling is parsing a short text; its budget only guards against a host too loaded to answer.
const COMPILE_BUDGET_MS = 2_000;

// The QuickJS WebAssembly code is compiled once per process and instantiated per sandbox: each
// sandbox gets its own memory (isolation) without paying for compilation again.
// (The compiler's libs here do not declare the WebAssembly namespace; this is the part used.)
type CompiledWasm = NonNullable<Exclude<Parameters<typeof newVariant>[1]["wasmModule"], () => unknown>>;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm> } }).WebAssembly;
let compiled: Promise<CompiledWasm> | null = null;
function compiledQuickJs(): Promise<CompiledWasm> {
  compiled ??= (async () => {
    const path = createRequire(import.meta.url).resolve("@jitl/quickjs-wasmfile-release-sync/wasm");
    return wasm.compile(await readFile(path));
  })();
  return compiled;
}

/** A fresh QuickJS WebAssembly instance (own linear memory) from the shared compiled code. */
async function newQuickJsInstance(): Promise<QuickJSWASMModule> {
  return newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmModule: await compiledQuickJs() }));
}

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 4_096;

/** Why an expression failed: it does not parse, ran too long, used too much memory or stack, threw, or returned a non-JSON value. */
export type SandboxFailure = "syntax" | "timeout" | "memory" | "stack" | "error" | "result";

/** An expression that failed inside (or at the edge of) its sandbox. The host is unaffected. */
export class SandboxError extends Error {
  readonly kind: SandboxFailure;

  constructor(kind: SandboxFailure, message: string) {
    super(message);
    this.name = "SandboxError";
    this.kind = kind;
  }
}

/** A compiled JavaScript expression over `value`, evaluated in isolation. */
export interface ExpressionSandbox {
  readonly expression: string;
  /**
   * Evaluates the expression with `value` (a JSON value) bound to the name `value`.
   * @returns the result as a JSON value, or undefined when the expression yields undefined.
   * @throws SandboxError on a thrown exception, a limit reached, or a result that is not JSON.
   */
  evaluate(value: unknown): Promise<unknown>;
  /** Releases the sandbox's WebAssembly memory. Idempotent. */
  dispose(): void;
}

/**
 * Compiles `expression` in a fresh QuickJS (WebAssembly) instance with the given limits.
 *
 * Isolation: the expression sees only QuickJS's standard built-ins; nothing of the host
 * (`process`, `require`, host globals, modules) exists there, and values cross the boundary
 * only as JSON text. Each sandbox has its own WebAssembly module, so one that fails at the
 * host's edge (a host stack overflow) is rebuilt without touching any other sandbox. After a
 * limit is reached the runtime is recreated, dropping whatever the expression stored on its
 * global object.
 *
 * @throws SandboxError `syntax` when the expression does not compile or is longer than
 *   {@link MAX_EXPRESSION_LENGTH}.
 */
export async function createExpressionSandbox(expression: string, limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS): Promise<ExpressionSandbox> {
  if (expression.length > MAX_EXPRESSION_LENGTH) throw new SandboxError("syntax", `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const sandbox = new QuickJsExpression(expression, limits, await newQuickJsInstance());
  sandbox.compile();
  return sandbox;
}

// The expression is the body of a function of `value`. JSON.parse/stringify are captured before
// the expression runs, so an expression that overwrites `JSON` only breaks itself.
function wrap(expression: string): string {
  return `(function () {
  "use strict";
  const parse = JSON.parse, stringify = JSON.stringify;
  const expression = function (value) {
    return (
${expression}
    );
  };
  return function (input) {
    const result = expression(parse(input));
    return result === undefined ? undefined : stringify(result);
  };
})()`;
}

class QuickJsExpression implements ExpressionSandbox {
  private runtime: QuickJSRuntime | null = null;
  private context: QuickJSContext | null = null;
  private fn: QuickJSHandle | null = null;
  private deadline = 0;
  private disposed = false;
  private needsModule = false;

  constructor(
    readonly expression: string,
    private readonly limits: SandboxLimits,
    private module: QuickJSWASMModule,
  ) {}

  /** Builds runtime, context and compiled function. @throws SandboxError `syntax`. */
  compile(): void {
    this.deadline = performance.now() + Math.max(COMPILE_BUDGET_MS, this.limits.timeoutMs);
    const runtime = this.module.newRuntime();
    runtime.setMemoryLimit(this.limits.memoryBytes);
    runtime.setMaxStackSize(this.limits.stackBytes);
    runtime.setInterruptHandler(() => performance.now() > this.deadline);
    const context = runtime.newContext();
    this.runtime = runtime;
    this.context = context;
    const result = context.evalCode(wrap(this.expression), "expression.js");
    if (result.error) {
      const failure = this.describe(context, result.error);
      result.error.dispose();
      this.teardown();
      throw failure.kind === "error" ? new SandboxError("syntax", failure.message) : failure;
    }
    this.fn = result.value;
  }

  async evaluate(value: unknown): Promise<unknown> {
    if (this.disposed) throw new SandboxError("error", "sandbox is disposed");
    if (!this.fn) await this.rebuild();
    const context = this.context as QuickJSContext;
    const fn = this.fn as QuickJSHandle;
    let input: string | undefined;
    try {
      input = JSON.stringify(value);
    } catch (error) {
      throw new SandboxError("result", `value is not JSON: ${(error as Error).message}`);
    }
    if (input === undefined) throw new SandboxError("result", "value is not JSON");

    let outcome: ReturnType<QuickJSContext["callFunction"]>;
    const arg = context.newString(input);
    try {
      this.deadline = performance.now() + this.limits.timeoutMs;
      outcome = context.callFunction(fn, context.undefined, arg);
    } catch (error) {
      // A failure at the host's edge (host stack exhausted inside WebAssembly): this module's
      // state is not trusted any more; the next evaluation rebuilds on a fresh module.
      this.abandon();
      throw new SandboxError("stack", `expression exhausted the host stack: ${(error as Error).message}`);
    } finally {
      if (arg.alive) arg.dispose();
    }

    if (outcome.error) {
      const failure = this.describe(context, outcome.error);
      outcome.error.dispose();
      if (failure.kind !== "error") this.recreateRuntime();
      throw failure;
    }
    const type = context.typeof(outcome.value);
    const text = type === "string" ? context.getString(outcome.value) : undefined;
    outcome.value.dispose();
    if (text === undefined) return undefined;
    return JSON.parse(text);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.teardown();
  }

  private describe(context: QuickJSContext, handle: QuickJSHandle): SandboxError {
    const dumped = context.dump(handle) as { name?: string; message?: string } | string;
    const name = typeof dumped === "object" && dumped ? String(dumped.name ?? "Error") : "Error";
    const message = typeof dumped === "object" && dumped ? String(dumped.message ?? "") : String(dumped);
    if (name === "InternalError" && message === "interrupted") return new SandboxError("timeout", `expression ran longer than ${this.limits.timeoutMs} ms`);
    if (message === "out of memory") return new SandboxError("memory", `expression used more than ${this.limits.memoryBytes} bytes`);
    if (message === "stack overflow" || /call stack/i.test(message)) return new SandboxError("stack", "expression exceeded the stack limit");
    return new SandboxError("error", `${name}: ${message}`);
  }

  private recreateRuntime(): void {
    this.teardown();
    this.compile();
  }

  private abandon(): void {
    // Disposing into a possibly corrupted module could abort; drop the references instead.
    this.fn = null;
    this.context = null;
    this.runtime = null;
    this.needsModule = true;
  }

  private async rebuild(): Promise<void> {
    if (this.needsModule) {
      this.module = await newQuickJsInstance();
      this.needsModule = false;
    }
    this.compile();
  }

  private teardown(): void {
    if (this.fn?.alive) this.fn.dispose();
    if (this.context?.alive) this.context.dispose();
    if (this.runtime?.alive) this.runtime.dispose();
    this.fn = null;
    this.context = null;
    this.runtime = null;
  }
}
