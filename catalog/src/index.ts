import { createApp } from "./app.js";
import { loadBootstrap } from "./bootstrap/bootstrap.service.js";
import { loadConfig } from "./config.js";
import { buildDeps } from "./deps.js";

const config = loadConfig();
const deps = await buildDeps(config);
if (config.bootstrapFile) {
  try {
    const report = await loadBootstrap(deps, config.bootstrapFile);
    deps.logger.info({ file: config.bootstrapFile, created: report.created.length, published: report.published, unchanged: report.unchanged.length }, "bootstrap loaded");
  } catch (error) {
    deps.logger.fatal({ err: error, file: config.bootstrapFile }, "bootstrap failed; not starting");
    await deps.database.close();
    process.exit(1);
  }
}
const server = createApp(deps);
server.installSignalHandlers();
await server.listen();
