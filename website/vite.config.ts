import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
// @ts-expect-error plain ESM helper shared with server.mjs
import { SERVICES, serviceUrl } from "./services.mjs";

// Development: /api/<service>/* → <service>/api/*, /svc/<service>/* → <service>/* (websockets too).
const proxy: Record<string, object> = {};
for (const id of Object.keys(SERVICES as Record<string, number>)) {
  const target = (serviceUrl as (id: string) => string)(id);
  proxy[`/api/${id}/`] = { target, changeOrigin: true, rewrite: (p: string) => p.replace(`/api/${id}/`, "/api/"), cookiePathRewrite: { "/api/auth": `/api/${id}/auth` } };
  proxy[`/svc/${id}/`] = { target, changeOrigin: true, ws: true, rewrite: (p: string) => p.replace(`/svc/${id}/`, "/") };
}

export default defineConfig({
  plugins: [react()],
  server: { port: 5000, host: "127.0.0.1", proxy },
  preview: { port: 5000 },
  build: { outDir: "dist", sourcemap: true },
});
