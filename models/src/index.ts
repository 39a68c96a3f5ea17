import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { buildDeps } from "./deps.js";

const config = loadConfig();
const deps = await buildDeps(config);
const server = createApp(deps);
server.installSignalHandlers();
await server.listen(config.port, config.host);
deps.logger.info({ url: server.url(), modelsDir: config.models.dir, identity: config.serviceUrls.identity }, "models service listening");
for (const id of config.models.preload) {
  deps.models.load(id).then(
    () => deps.logger.info({ model: id }, "preloaded"),
    (error: unknown) => deps.logger.error({ model: id, err: error }, "preload failed"),
  );
}
