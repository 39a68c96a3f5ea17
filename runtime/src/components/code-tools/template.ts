/** A placeholder: `{{value}}` or `{{value.a.b}}` (own properties only; array indices are numbers). */
const PLACEHOLDER = /\{\{\s*(value(?:\.[A-Za-z0-9_$-]+)*)\s*\}\}/g;
const WHOLE = /^\{\{\s*(value(?:\.[A-Za-z0-9_$-]+)*)\s*\}\}$/;
const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);

/** An args template that cannot be filled from a value (a missing field). */
export class TemplateError extends Error {
  readonly code = "template_error";
}

function lookup(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split(".").slice(1)) {
    if (FORBIDDEN.has(segment)) throw new TemplateError(`${path}: "${segment}" is not a field name`);
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, segment)) throw new TemplateError(`${path} is missing from the input value`);
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function fillString(text: string, value: unknown): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return lookup(value, whole[1]!);
  return text.replace(PLACEHOLDER, (_, path: string) => {
    const found = lookup(value, path);
    return typeof found === "string" ? found : JSON.stringify(found);
  });
}

/**
 * Fills an args template with an input value: in every string of `template` (at any depth),
 * `{{value}}` and `{{value.field.sub}}` are replaced by that part of the value. A string that is
 * exactly one placeholder takes the value as it is (a number stays a number); inside a longer
 * string a non-string value is written as JSON. Nothing is evaluated.
 *
 * @throws TemplateError when a placeholder names a field the value does not have.
 */
export function fillTemplate(template: unknown, value: unknown): unknown {
  if (typeof template === "string") return fillString(template, value);
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, value));
  if (template && typeof template === "object") return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, value)]));
  return template;
}

/** True when `template` holds a placeholder somewhere (its final args depend on the input). */
export function hasPlaceholder(template: unknown): boolean {
  if (typeof template === "string") return new RegExp(PLACEHOLDER.source).test(template);
  if (Array.isArray(template)) return template.some(hasPlaceholder);
  if (template && typeof template === "object") return Object.values(template).some(hasPlaceholder);
  return false;
}
