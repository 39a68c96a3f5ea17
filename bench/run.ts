// `npm run bench -- <name>`: runs one benchmark of this folder (each prints its figures and writes results/<name>.json).
const benches: Record<string, () => Promise<unknown>> = {
  relay: () => import("./relay/relay.bench.js"),
};

const name = process.argv[2];
const run = name ? benches[name] : undefined;
if (!run) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join("|")}>\n`);
  process.exit(2);
}
await run();
