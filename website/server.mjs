#!/usr/bin/env node
// Serves the built website on WEBSITE_PORT (5000) and proxies the services under the same origin:
// /api/<service>/* → <service>/api/*, /svc/<service>/* → <service>/* (Socket.IO included).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { createProxyMiddleware } from "http-proxy-middleware";
import { SERVICES, serviceUrl } from "./services.mjs";

const dist = join(dirname(fileURLToPath(import.meta.url)), "dist");
if (!existsSync(join(dist, "index.html"))) {
  process.stderr.write("website: dist/ is missing; run `npm run build -w @symbia/website`\n");
  process.exit(1);
}
const app = express();
app.disable("x-powered-by");
const upgrades = [];
for (const id of Object.keys(SERVICES)) {
  const target = serviceUrl(id);
  app.use(`/api/${id}`, createProxyMiddleware({ target: `${target}/api`, changeOrigin: true, cookiePathRewrite: { "/api/auth": `/api/${id}/auth` } }));
  const svc = createProxyMiddleware({ target, changeOrigin: true, ws: true, pathRewrite: { [`^/svc/${id}`]: "" } });
  app.use(`/svc/${id}`, svc);
  upgrades.push([`/svc/${id}/`, svc]);
}
app.get("/health/live", (_req, res) => res.json({ status: "ok" }));
app.get("/health/ready", (_req, res) => res.json({ status: "ready" }));
app.use(express.static(dist, { index: "index.html", maxAge: "1h" }));
app.use((_req, res) => res.sendFile(join(dist, "index.html")));
const port = Number(process.env.WEBSITE_PORT || 5000);
const server = app.listen(port, process.env.WEBSITE_HOST || "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ level: "info", service: "website", port, msg: "listening" })}\n`);
});
server.on("upgrade", (req, socket, head) => {
  const match = upgrades.find(([prefix]) => req.url?.startsWith(prefix));
  if (match) match[1].upgrade(req, socket, head);
  else socket.destroy();
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
