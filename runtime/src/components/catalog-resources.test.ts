import { readFile } from "node:fs/promises";
import { ComponentBody, ExecutorBody } from "@symbia/catalog-client";
import { describe, expect, it } from "vitest";
import { builtinCatalogResources, componentResources } from "./catalog-resources.js";

// Catalog's bootstrap file is data shared by both services: read as JSON, never imported as code.
const BOOTSTRAP = new URL("../../../catalog/bootstrap/platform.json", import.meta.url);

describe("built-ins as catalog resources", () => {
  it("are exactly the entries catalog's bootstrap file holds for them (same content, same digest: no duplicates)", async () => {
    const file = JSON.parse(await readFile(BOOTSTRAP, "utf8")) as { resources: Array<Record<string, unknown> & { type: string; name: string }> };
    for (const entry of builtinCatalogResources()) {
      const shipped = file.resources.find((r) => r.type === entry.type && r.name === entry.name);
      const { key, ...createBody } = entry;
      expect(key).toBe(`${entry.type === "component" ? "components" : "executors"}/${entry.name}`);
      expect({ ...shipped, tags: [...((shipped?.tags as string[]) ?? [])].sort() }).toEqual(createBody);
    }
  });

  it("have bodies catalog accepts", () => {
    for (const resource of componentResources()) expect(ComponentBody.safeParse(resource.body).success).toBe(true);
    const executor = builtinCatalogResources().at(-1)!;
    expect(ExecutorBody.safeParse(executor.body).success).toBe(true);
    expect(executor.body.components).toEqual(["components/passthrough", "components/filter", "components/map", "components/merge", "components/split", "components/accumulator", "components/delay"]);
  });
});
