// The services the website proxies, as in @symbia/sys (kept literal: this file runs without a build).
export const SERVICES = {
  identity: 5001, logging: 5002, catalog: 5003, assistants: 5004, messaging: 5005,
  runtime: 5006, integrations: 5007, models: 5008, network: 5054,
};

/** Base URL of a service: `{SERVICE}_SERVICE_URL`, else 127.0.0.1 and its default port. */
export function serviceUrl(id, env = process.env) {
  return (env[`${id.toUpperCase()}_SERVICE_URL`] || `http://127.0.0.1:${SERVICES[id]}`).replace(/\/+$/, "");
}
