import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { ContractTerms } from "@symbia/relay";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** One contract of the defaults file: the terms plus a unique `name` (its id is `default:<name>`). */
export const DefaultContract = ContractTerms.extend({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a name of 1-64 lowercase letters, digits and dashes"),
});
/** One default contract (see {@link DefaultContract}). */
export type DefaultContract = z.infer<typeof DefaultContract>;

/**
 * The defaults file (JSON or YAML):
 *
 * ```yaml
 * version: 1
 * contracts:
 *   - name: messaging-to-assistants
 *     from: service:messaging            # a node id: the messaging service principal
 *     to: service:assistants
 *     allowedEventTypes: ["message.*", "conversation.*"]
 *     boundaries: [intra]
 *     description: new messages reach the assistants
 * ```
 * Every contract is platform-wide. Names are unique within the file.
 */
export const DefaultContractsFile = z.strictObject({
  version: z.literal(1),
  contracts: z
    .array(DefaultContract)
    .max(1000)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const [index, contract] of list.entries()) {
        if (seen.has(contract.name)) ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicate name ${contract.name}` });
        seen.add(contract.name);
      }
    }),
});
/** The defaults file (see {@link DefaultContractsFile}). */
export type DefaultContractsFile = z.infer<typeof DefaultContractsFile>;

/** The defaults file is unreadable or invalid; `issues` lists each failing path. */
export class DefaultContractsError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid default contracts in ${source}: ${issues.join("; ")}`);
    this.name = "DefaultContractsError";
  }
}

/**
 * Parses and validates the text of a defaults file. `format` is `json` or `yaml` (YAML 1.2 via the
 * `yaml` package, whose alias limit guards against expansion bombs).
 *
 * @param source a name for error messages (the file path).
 * @throws DefaultContractsError naming the file and every failing path.
 */
export function parseDefaultContracts(text: string, format: "json" | "yaml", source: string): DefaultContract[] {
  let document: unknown;
  try {
    document = format === "json" ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new DefaultContractsError(source, [`not valid ${format.toUpperCase()}: ${(error as Error).message.split("\n")[0]}`]);
  }
  const parsed = DefaultContractsFile.safeParse(document);
  if (!parsed.success) {
    throw new DefaultContractsError(
      source,
      parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`),
    );
  }
  return parsed.data.contracts;
}

/**
 * Reads the defaults file at `path`: `.json` as JSON, `.yaml`/`.yml` as YAML.
 *
 * @throws DefaultContractsError when the file cannot be read, has another extension, or is invalid.
 */
export async function loadDefaultContracts(path: string): Promise<DefaultContract[]> {
  const extension = extname(path).toLowerCase();
  const format = extension === ".json" ? "json" : extension === ".yaml" || extension === ".yml" ? "yaml" : null;
  if (!format) throw new DefaultContractsError(path, ["the file must end in .json, .yaml or .yml"]);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DefaultContractsError(path, [`cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return parseDefaultContracts(text, format, path);
}
