/** Fields a search word can match, strongest first. */
export type MatchField = "key" | "name" | "title" | "description" | "tags";

/** What ranking looks at on a resource. */
export interface Rankable {
  key: string;
  name: string;
  title: string | null;
  description: string;
  tags: string[];
  status: "draft" | "published" | "deprecated" | "yanked";
}

/** The words of a query: lower-cased, split on white space, distinct, at most 8. */
export function queryTerms(q: string): string[] {
  return [...new Set(q.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, 8);
}

/**
 * Scores a resource for the query words (higher is better) and names the fields they matched.
 * Per word: exact name or key 10, a tag equal to it 7, name prefix 6, name substring 4, title
 * word-start 3 (substring 2.5), tag prefix 3, key substring 2, description word-start 2
 * (substring 1).
 * Status adjusts the total: published +0.5, draft 0, deprecated −2, yanked −10 (a yanked
 * resource sinks below live ones that match at all reasonably). Every word is
 * expected to match somewhere (search filters on that before ranking).
 */
export function rank(resource: Rankable, terms: string[]): { score: number; matched: MatchField[] } {
  const name = resource.name.toLowerCase();
  const key = resource.key.toLowerCase();
  const title = (resource.title ?? "").toLowerCase();
  const description = resource.description.toLowerCase();
  const tags = resource.tags.map((t) => t.toLowerCase());
  const matched = new Set<MatchField>();
  let score = 0;
  for (const term of terms) {
    if (name === term || key === term) {
      score += 10;
      matched.add(name === term ? "name" : "key");
    } else if (name.startsWith(term)) {
      score += 6;
      matched.add("name");
    } else if (name.includes(term)) {
      score += 4;
      matched.add("name");
    } else if (key.includes(term)) {
      score += 2;
      matched.add("key");
    }
    if (tags.includes(term)) {
      score += 7;
      matched.add("tags");
    } else if (tags.some((t) => t.startsWith(term))) {
      score += 3;
      matched.add("tags");
    }
    if (title.includes(term)) {
      score += wordStart(title, term) ? 3 : 2.5;
      matched.add("title");
    }
    if (description.includes(term)) {
      score += wordStart(description, term) ? 2 : 1;
      matched.add("description");
    }
  }
  score += { published: 0.5, draft: 0, deprecated: -2, yanked: -10 }[resource.status];
  const order: MatchField[] = ["key", "name", "title", "description", "tags"];
  return { score, matched: order.filter((f) => matched.has(f)) };
}

function wordStart(text: string, term: string): boolean {
  for (let i = text.indexOf(term); i !== -1; i = text.indexOf(term, i + 1)) {
    if (i === 0 || !/[\p{L}\p{N}]/u.test(text[i - 1]!)) return true;
  }
  return false;
}
