import { describe, expect, it } from "vitest";
import { queryTerms, rank, type Rankable } from "./rank.js";

const r = (extra: Partial<Rankable>): Rankable => ({ key: "contexts/x", name: "x", title: null, description: "", tags: [], status: "published", ...extra });

describe("queryTerms", () => {
  it("lower-cases, splits on white space, de-duplicates and keeps at most 8 words", () => {
    expect(queryTerms("  Map  map\tFILTER ")).toEqual(["map", "filter"]);
    expect(queryTerms("a b c d e f g h i j")).toHaveLength(8);
  });
});

describe("rank", () => {
  it("orders exact name > tag > name prefix > name substring > title > description", () => {
    const scores = [
      rank(r({ name: "map", key: "components/map" }), ["map"]),
      rank(r({ name: "other", tags: ["map"] }), ["map"]),
      rank(r({ name: "mapper" }), ["map"]),
      rank(r({ name: "remap" }), ["map"]),
      rank(r({ name: "z", title: "A map of things" }), ["map"]),
      rank(r({ name: "z", description: "draws a map" }), ["map"]),
    ].map((x) => x.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(new Set(scores).size).toBe(scores.length);
  });

  it("names the matched fields and sinks deprecated and yanked resources", () => {
    expect(rank(r({ name: "map", title: "Map", description: "map values", tags: ["map"] }), ["map"]).matched).toEqual(["name", "title", "description", "tags"]);
    const live = rank(r({ name: "remap" }), ["map"]).score;
    expect(rank(r({ name: "map", status: "yanked" }), ["map"]).score).toBeLessThan(live);
    expect(rank(r({ name: "remap", status: "deprecated" }), ["map"]).score).toBeLessThan(live);
  });

  it("prefers a word start to a substring in titles and descriptions", () => {
    expect(rank(r({ description: "the map" }), ["map"]).score).toBeGreaterThan(rank(r({ description: "bitmap" }), ["map"]).score);
  });
});
