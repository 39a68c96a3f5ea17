import Handlebars from "handlebars";
import { checkPathRoots, isForbiddenSegment, joinPath, type FieldRoots, type ValidationIssue } from "../rules/paths.js";

/**
 * Templates are Handlebars (https://handlebarsjs.com) in an isolated environment, compiled with
 * `strict: true` (a `{{path}}` whose value is missing throws — inside helper arguments such as
 * `{{#if message.metadata.vip}}` a missing value is simply falsy, which is Handlebars' strict-mode
 * behaviour), `noEscape: true` (prompts and messages are not HTML) and `knownHelpersOnly: true`
 * (only the helpers below; an unknown helper is a publish-time error). Handlebars never evaluates
 * JavaScript and, since 4.6, refuses prototype properties (`constructor`, `__proto__`).
 *
 * Helpers: the built-ins `if`, `unless`, `each`, `with`, `lookup`; `json` (`{{json context}}`
 * → JSON text) and `default` (`{{default user.name "there"}}` → the first argument unless it is
 * absent, null or empty, else the second).
 */
const env = Handlebars.create();
env.unregisterHelper("log");
env.registerHelper("json", (value: unknown) => JSON.stringify(value ?? null));
env.registerHelper("default", (value: unknown, fallback: unknown) => (value === undefined || value === null || value === "" ? fallback : value));

// `log` is in Handlebars' default known helpers: switching it off makes it an unknown helper (publish-time error).
const KNOWN_HELPERS = { json: true, default: true, if: true, unless: true, each: true, with: true, lookup: true, log: false } as const;
const COMPILE_OPTIONS = { strict: true, noEscape: true, knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true } as const;

/** Helpers whose block body is rendered with a different context (`this` changes). */
const CONTEXT_CHANGING_BLOCKS = new Set(["each", "with"]);

/** Longest template source accepted (characters). */
export const MAX_TEMPLATE_LENGTH = 64_000;

/** A template that failed to render (a missing variable in strict mode, a bad helper argument). */
export class TemplateError extends Error {
  constructor(message: string, readonly template: string) {
    super(message);
    this.name = "TemplateError";
  }
}

type Node = hbs.AST.Node;

/** True when a source string contains template syntax at all (plain strings skip Handlebars). */
export function isTemplate(source: string): boolean {
  return source.includes("{{");
}

function pathRootIssues(node: hbs.AST.PathExpression, roots: FieldRoots, where: string): ValidationIssue[] {
  const forbidden = node.parts.find(isForbiddenSegment);
  if (forbidden) return [{ path: where, code: "invalid_template", message: `template references ${node.original}: "${forbidden}" is not allowed` }];
  // `@root.x`, `@index`, `this`, `../x` and data variables are Handlebars' own; `this.x` is the scope.
  if (node.data || node.depth > 0) return [];
  const parts = node.original.startsWith("this.") || node.original === "this" ? [] : node.parts;
  if (parts.length === 0) return [];
  const problem = checkPathRoots(parts, roots);
  return problem ? [{ path: where, code: problem.code, message: `template references ${node.original}: ${problem.message}` }] : [];
}

function walk(nodes: readonly Node[], roots: FieldRoots, where: string, out: ValidationIssue[]): void {
  for (const node of nodes) {
    if (node.type === "MustacheStatement" || node.type === "SubExpression" || node.type === "BlockStatement") {
      const call = node as hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;
      const isHelperCall = call.params.length > 0 || node.type === "BlockStatement" || node.type === "SubExpression";
      if (!isHelperCall && call.path.type === "PathExpression") out.push(...pathRootIssues(call.path as hbs.AST.PathExpression, roots, where));
      for (const param of call.params) {
        if (param.type === "PathExpression") out.push(...pathRootIssues(param as hbs.AST.PathExpression, roots, where));
        else walk([param], roots, where, out);
      }
      if (node.type === "BlockStatement") {
        const block = node as hbs.AST.BlockStatement;
        const name = block.path.type === "PathExpression" ? (block.path as hbs.AST.PathExpression).original : "";
        if (!CONTEXT_CHANGING_BLOCKS.has(name)) {
          if (block.program) walk(block.program.body, roots, where, out);
        }
        if (block.inverse) walk(block.inverse.body, roots, where, out);
      }
    }
  }
}

/**
 * Publish-time check of one template: it parses and compiles with the allowed helpers, and each
 * top-level `{{path}}` / helper argument starts at a root of `roots` (paths inside `#each` and
 * `#with` bodies are relative to the item and are not checked). `where` is the document path
 * reported in the issues.
 */
export function checkTemplate(source: string, roots: FieldRoots, where: string): ValidationIssue[] {
  if (source.length > MAX_TEMPLATE_LENGTH) return [{ path: where, code: "invalid_template", message: `template is longer than ${MAX_TEMPLATE_LENGTH} characters` }];
  if (!isTemplate(source)) return [];
  let ast: hbs.AST.Program;
  try {
    ast = env.parse(source);
    env.precompile(source, COMPILE_OPTIONS);
  } catch (error) {
    return [{ path: where, code: "invalid_template", message: `template does not compile: ${(error as Error).message.split("\n")[0] ?? ""}` }];
  }
  const out: ValidationIssue[] = [];
  walk(ast.body, roots, where, out);
  return out;
}

const cache = new Map<string, HandlebarsTemplateDelegate>();

/**
 * Renders `source` against `scope`. Plain strings (no `{{`) come back unchanged.
 * @throws TemplateError when a variable is missing or the template does not compile.
 */
export function renderTemplate(source: string, scope: Readonly<Record<string, unknown>>): string {
  if (!isTemplate(source)) return source;
  let template = cache.get(source);
  if (!template) {
    try {
      template = env.compile(source, COMPILE_OPTIONS);
    } catch (error) {
      throw new TemplateError(`template does not compile: ${(error as Error).message}`, source);
    }
    if (cache.size >= 1000) cache.delete(cache.keys().next().value as string);
    cache.set(source, template);
  }
  try {
    return template(scope, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (error) {
    throw new TemplateError(`template failed: ${(error as Error).message}`, source);
  }
}

/**
 * Renders every string leaf of a JSON-like value (objects and arrays are walked; other values
 * are kept), skipping the object keys in `literalKeys` at any depth.
 * @throws TemplateError as {@link renderTemplate}.
 */
export function renderDeep<T>(value: T, scope: Readonly<Record<string, unknown>>, literalKeys: ReadonlySet<string> = new Set()): T {
  if (typeof value === "string") return renderTemplate(value, scope) as T;
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, scope, literalKeys)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = literalKeys.has(key) ? item : renderDeep(item, scope, literalKeys);
    return out as T;
  }
  return value;
}

/**
 * Publish-time check of every string leaf of a value, as {@link renderDeep} would render it.
 * `where` is the path of `value` in the document.
 */
export function checkTemplatesDeep(value: unknown, roots: FieldRoots, where: string, literalKeys: ReadonlySet<string> = new Set()): ValidationIssue[] {
  if (typeof value === "string") return checkTemplate(value, roots, where);
  if (Array.isArray(value)) return value.flatMap((item, i) => checkTemplatesDeep(item, roots, joinPath(where, `[${i}]`), literalKeys));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => (literalKeys.has(key) ? [] : checkTemplatesDeep(item, roots, joinPath(where, key), literalKeys)));
  }
  return [];
}
