// The "server" process of the relay benchmark: the real network service (in this process, on
// pg-mem) and, beside it, a plain Socket.IO server that forwards one client's messages to
// another — the direct baseline the relay's added latency is measured against. Prints its ports.
import { createServer as createHttpServer } from "node:http";
import { Server } from "socket.io";
import { createApp } from "../../network/src/app.js";
import { loadConfig } from "../../network/src/config.js";
import { buildDeps } from "../../network/src/deps.js";

const config = loadConfig(process.env);
const deps = await buildDeps(config);
const network = createApp(deps);
const networkPort = await network.listen(0, "127.0.0.1");

const httpServer = createHttpServer();
const io = new Server(httpServer);
io.on("connection", (socket) => {
  socket.on("join", (room: string, ack?: () => void) => {
    void socket.join(room);
    ack?.();
  });
  socket.on("forward", (message: unknown) => {
    io.to("receiver").emit("message", message);
  });
});
await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
const forwarderPort = (httpServer.address() as { port: number }).port;

process.stdout.write(`${JSON.stringify({ ready: true, networkPort, forwarderPort })}\n`);
process.once("SIGTERM", () => {
  io.close();
  void network.shutdown("bench end").then(() => process.exit(0));
});
