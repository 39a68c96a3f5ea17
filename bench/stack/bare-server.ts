// The floor of one service process for the stack benchmark: Node under tsx (as the launcher runs
// every service) answering /health/ready and nothing else, on PORT.
import { createServer } from "node:http";

createServer((req, res) => {
  res.writeHead(req.url === "/health/ready" ? 200 : 404, { "content-type": "application/json" }).end('{"status":"ready"}');
}).listen(Number(process.env.PORT), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
