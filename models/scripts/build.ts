/**
 * Bundles the service into `dist/` for running without tsx: `dist/index.js` (the service) and
 * `dist/worker-main.js` (the model worker process, found beside it). The `@symbia/*` workspace
 * libraries (TypeScript sources) are bundled in; every other package stays an import from
 * node_modules (node-llama-cpp must keep its file layout to find and test its native binary).
 *
 *     npm run build -w @symbia/models-service && node models/dist/index.js
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: { index: "src/index.ts", "worker-main": "src/worker/worker-main.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "info",
  plugins: [
    {
      name: "external-packages-but-symbia",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@symbia/") ? undefined : { path: args.path, external: true }));
      },
    },
  ],
});
