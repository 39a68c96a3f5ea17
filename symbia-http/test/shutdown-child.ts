// A real service process for the graceful-shutdown test: prints its port, then serves until SIGTERM.
import { buildDemoServer, testConfig } from "./fixture.js";

const server = buildDemoServer({ config: testConfig({ shutdown: { preShutdownDelayMs: 600, graceMs: 3_000 } }), logger: undefined });
server.onShutdown("marker", () => {
  process.stderr.write("hook ran\n");
});
server.installSignalHandlers();
const port = await server.listen(0);
process.stdout.write(`PORT ${port}\n`);
