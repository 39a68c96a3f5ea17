/**
 * Writes the built-in deterministic test model (see src/test-model/test-model.ts).
 *
 *     npm run make-test-model -w @symbia/models-service -- <out.gguf> [--sentence "..."] [--name "..."] [--loop]
 *
 * `--loop` writes the looping variant: it repeats the sentence until max_tokens or a cancel.
 *
 * Prints what it wrote as JSON (path, bytes, sha256, sentence, replyTokens).
 */
import { writeTestModel, type TestModelOptions } from "../src/test-model/test-model.js";

const USAGE = 'usage: make-test-model <out.gguf> [--sentence "..."] [--name "..."] [--loop]';

async function main(argv: string[]): Promise<void> {
  let out: string | undefined;
  const opts: TestModelOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--sentence" || arg === "--name") {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      if (arg === "--sentence") opts.sentence = value;
      else opts.name = value;
    } else if (arg === "--loop") {
      opts.loop = true;
    } else if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      return;
    } else if (out === undefined && !arg.startsWith("--")) {
      out = arg;
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  if (out === undefined) throw new Error(USAGE);
  console.log(JSON.stringify(await writeTestModel(out, opts), null, 2));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
