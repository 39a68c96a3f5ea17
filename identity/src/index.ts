import { createApp } from "./app.js";
import { bootstrapAdmin } from "./auth/auth.service.js";
import { loadConfig } from "./config.js";
import { buildDeps } from "./deps.js";

const config = loadConfig();
const deps = await buildDeps(config);
await bootstrapAdmin(deps);
const server = createApp(deps);
server.installSignalHandlers();
await server.listen();
