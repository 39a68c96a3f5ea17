/**
 * True when `type` is allowed by `pattern`: exact, `prefix.*` (anything below the prefix:
 * `message.*` matches `message.new` and `message.stream.chunk`, not `message` nor `messages.new`),
 * or `*`. The same rule as contracts' `allowedEventTypes`.
 */
export function eventTypeMatchesPattern(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1)) && type.length > pattern.length - 1;
  return pattern === type;
}
