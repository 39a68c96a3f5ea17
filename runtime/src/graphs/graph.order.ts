/** Result of {@link topologicalOrder}: the order, or a cycle when there is none. */
export type OrderResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

/**
 * Orders `nodes` so every edge goes from an earlier node to a later one, by Kahn's algorithm
 * (A. B. Kahn, "Topological sorting of large networks", CACM 5(11), 1962). Among nodes that are
 * ready at the same time, the one declared first comes first, so the order is deterministic.
 * Duplicate edges and edges naming unknown nodes are ignored; a self-loop is a cycle.
 *
 * @param nodes node ids in declaration order
 * @param edges `[from, to]` node-id pairs
 * @returns the order, or one cycle named node by node, starting at its earliest-declared node
 *   and ending with it again (`["a", "b", "c", "a"]`).
 */
export function topologicalOrder(nodes: readonly string[], edges: ReadonlyArray<readonly [string, string]>): OrderResult {
  const index = new Map(nodes.map((id, i) => [id, i]));
  const successors = new Map<string, string[]>(nodes.map((id) => [id, []]));
  const inDegree = new Map<string, number>(nodes.map((id) => [id, 0]));
  const seen = new Set<string>();
  for (const [from, to] of edges) {
    if (!index.has(from) || !index.has(to)) continue;
    const key = `${from}\u0000${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    successors.get(from)?.push(to);
    inDegree.set(to, (inDegree.get(to) ?? 0) + 1);
  }

  // Ready nodes kept sorted by declaration index (graphs are small: a sorted array is enough).
  const ready = nodes.filter((id) => inDegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(id);
    for (const next of successors.get(id) ?? []) {
      const degree = (inDegree.get(next) ?? 0) - 1;
      inDegree.set(next, degree);
      if (degree === 0) insertSorted(ready, next, index);
    }
  }
  if (order.length === nodes.length) return { ok: true, order };

  const remaining = new Set(nodes.filter((id) => (inDegree.get(id) ?? 0) > 0));
  return { ok: false, cycle: findCycle(nodes, successors, remaining) };
}

function insertSorted(ready: string[], id: string, index: Map<string, number>): void {
  const position = index.get(id) ?? 0;
  let i = ready.length;
  while (i > 0 && (index.get(ready[i - 1] as string) ?? 0) > position) i--;
  ready.splice(i, 0, id);
}

// Every node Kahn could not order lies on a cycle or downstream of one; a depth-first walk from
// the earliest such node, restricted to them, meets a node already on its path: that is a cycle.
function findCycle(nodes: readonly string[], successors: Map<string, string[]>, remaining: Set<string>): string[] {
  const state = new Map<string, "open" | "done">();
  for (const start of nodes) {
    if (!remaining.has(start) || state.get(start) === "done") continue;
    const path: string[] = [];
    const cycle = walk(start);
    if (cycle) return rotate(cycle, nodes);

    function walk(id: string): string[] | null {
      state.set(id, "open");
      path.push(id);
      for (const next of successors.get(id) ?? []) {
        if (!remaining.has(next)) continue;
        if (state.get(next) === "open") return [...path.slice(path.indexOf(next)), next];
        if (state.get(next) === undefined) {
          const found = walk(next);
          if (found) return found;
        }
      }
      path.pop();
      state.set(id, "done");
      return null;
    }
  }
  return [];
}

// Start the cycle at its earliest-declared node so the message does not depend on walk order.
function rotate(cycle: string[], nodes: readonly string[]): string[] {
  const ring = cycle.slice(0, -1);
  let best = 0;
  for (let i = 1; i < ring.length; i++) if (nodes.indexOf(ring[i] as string) < nodes.indexOf(ring[best] as string)) best = i;
  const rotated = [...ring.slice(best), ...ring.slice(0, best)];
  return [...rotated, rotated[0] as string];
}
