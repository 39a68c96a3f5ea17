import { defineRouter, type ServiceRouter } from "@symbia/http";
import { LogQuery, LogRecord, TailQuery, pageOf } from "@symbia/logging-client";
import { CAPABILITIES } from "@symbia/sys";
import { readScope } from "../access.js";
import type { LoggingDeps } from "../deps.js";
import { listLogs } from "./logs.store.js";

/** Log queries and the live tail. */
export function logsRouter(deps: LoggingDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/logs", tag: "logs", description: "Query log lines and follow them live." });
  router.get(
    "/",
    {
      summary: "Log lines by time range, level, service, env, text, trace/span/run id and fields (field.<key>=value); newest first, keyset-paginated",
      query: LogQuery,
      response: pageOf(LogRecord),
      entitlement: CAPABILITIES.logging.read,
    },
    (req) => listLogs(deps.database.db, readScope(req), req.valid.query, deps.database.mode === "memory"),
  );
  router.get(
    "/stream",
    {
      summary: "Live tail (Server-Sent Events): `ready`, then a `log` event per new matching line; a client that stops reading gets `dropped` and is disconnected",
      query: TailQuery,
      produces: "text/event-stream",
      entitlement: CAPABILITIES.logging.read,
      errors: [503],
    },
    async (req, res) => {
      await deps.tail.subscribe(req, res, readScope(req), req.valid.query);
      return undefined;
    },
  );
  return router;
}
