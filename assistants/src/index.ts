import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { buildDeps } from "./deps.js";

const config = loadConfig();
const deps = await buildDeps(config);
const server = createApp(deps);
server.installSignalHandlers();
await server.listen(config.port, config.host);
await deps.start();
deps.logger.info({ url: server.url(), instance: config.instanceId }, "assistants listening");
