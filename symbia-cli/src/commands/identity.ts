import type { Command } from "commander";
import { Api, type GlobalOptions } from "../api.js";
import { loadStore, saveStore } from "../config.js";
import { CliError, EXIT } from "../errors.js";
import { printObject, printRows } from "../output.js";

const requireOrg = (api: Api) => {
  const org = api.orgId();
  if (!org) throw new CliError("no organization selected", EXIT.usage, "pass --org <id> or run `symbia orgs use <id>`");
  return org;
};

/** orgs, members, agents, keys, entitlements. */
export function identityCommands(program: Command, globals: () => GlobalOptions): void {
  const orgs = program.command("orgs").description("organizations");
  orgs.command("list").description("your organizations").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("identity", "GET", "/api/orgs");
    printRows(options, res.items, [["id", (o: any) => o.id], ["name", (o: any) => o.name], ["slug", (o: any) => o.slug], ["role", (o: any) => o.role]]);
  });
  orgs.command("create <name>").description("create an organization (you become owner)").action(async (name: string) => {
    const options = globals();
    printObject(options, await (await Api.open(options)).request("identity", "POST", "/api/orgs", { name }));
  });
  orgs.command("use <orgId>").description("act in this organization by default").action(async (orgId: string) => {
    const options = globals();
    const store = await loadStore();
    const profile = store.profiles[options.profile];
    if (!profile) throw new CliError("not logged in", EXIT.unauthenticated, "run `symbia login`");
    await new Api({ ...options, org: orgId }, profile).request("identity", "GET", `/api/orgs/${encodeURIComponent(orgId)}`);
    store.profiles[options.profile] = { ...profile, orgId };
    await saveStore(store);
    process.stderr.write(`Now acting in ${orgId}.\n`);
  });

  const members = program.command("members").description("members of the selected organization");
  members.command("list").action(async () => {
    const options = globals();
    const api = await Api.open(options);
    const res = await api.request("identity", "GET", `/api/orgs/${requireOrg(api)}/members`);
    printRows(options, res.items, [["user", (m: any) => m.userId], ["email", (m: any) => m.email], ["name", (m: any) => m.name], ["role", (m: any) => m.role]]);
  });
  members.command("add <email>").option("--role <role>", "owner|admin|member|viewer", "member").action(async (email: string, opts: { role: string }) => {
    const options = globals();
    const api = await Api.open(options);
    printObject(options, await api.request("identity", "POST", `/api/orgs/${requireOrg(api)}/members`, { email, role: opts.role }));
  });
  members.command("role <userId> <role>").description("change a member's role").action(async (userId: string, role: string) => {
    const options = globals();
    const api = await Api.open(options);
    printObject(options, await api.request("identity", "PATCH", `/api/orgs/${requireOrg(api)}/members/${encodeURIComponent(userId)}`, { role }));
  });
  members.command("remove <userId>").action(async (userId: string) => {
    const api = await Api.open(globals());
    await api.request("identity", "DELETE", `/api/orgs/${requireOrg(api)}/members/${encodeURIComponent(userId)}`);
    process.stderr.write("Removed.\n");
  });

  const agents = program.command("agents").description("AI agents of the selected organization");
  agents.command("list").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("identity", "GET", "/api/agents");
    printRows(options, res.items, [["agentId", (a: any) => a.agentId], ["name", (a: any) => a.name], ["capabilities", (a: any) => a.capabilities], ["revoked", (a: any) => a.revokedAt ?? ""]]);
  });
  agents
    .command("register <agentId>")
    .requiredOption("--name <name>", "display name")
    .option("--cap <capability...>", "capabilities (cap:<service>.<action>)", [])
    .action(async (agentId: string, opts: { name: string; cap: string[] }) => {
      const options = globals();
      const res = await (await Api.open(options)).request("identity", "POST", "/api/agents", { agentId, name: opts.name, capabilities: opts.cap });
      printObject(options, { agentId: res.agent.agentId, entityId: res.agent.entityId, secret: res.secret });
      if (options.output === "table") process.stderr.write("The secret is shown once: store it now.\n");
    });
  agents.command("revoke <agentId>").action(async (agentId: string) => {
    await (await Api.open(globals())).request("identity", "DELETE", `/api/agents/${encodeURIComponent(agentId)}`);
    process.stderr.write("Revoked.\n");
  });

  const keys = program.command("keys").description("API keys");
  keys
    .command("create <name>")
    .requiredOption("--scope <entitlement...>", "scopes narrowing the key (cap:…)")
    .option("--expires <iso>", "expiry (ISO 8601)")
    .action(async (name: string, opts: { scope: string[]; expires?: string }) => {
      const options = globals();
      const res = await (await Api.open(options)).request("identity", "POST", "/api/api-keys", { name, scopes: opts.scope, ...(opts.expires ? { expiresAt: opts.expires } : {}) });
      printObject(options, { id: res.apiKey.id, key: res.key, scopes: res.apiKey.scopes });
      if (options.output === "table") process.stderr.write("The key is shown once: store it now.\n");
    });
  keys.command("list").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("identity", "GET", "/api/api-keys");
    printRows(options, res.items, [["id", (k: any) => k.id], ["name", (k: any) => k.name], ["prefix", (k: any) => k.prefix], ["scopes", (k: any) => k.scopes], ["last used", (k: any) => k.lastUsedAt ?? ""], ["revoked", (k: any) => k.revokedAt ?? ""]]);
  });
  keys.command("revoke <keyId>").action(async (keyId: string) => {
    await (await Api.open(globals())).request("identity", "DELETE", `/api/api-keys/${encodeURIComponent(keyId)}`);
    process.stderr.write("Revoked.\n");
  });

  const ents = program.command("entitlements").description("entitlements in the selected organization");
  ents.command("effective").option("--principal <id>", "another principal (admins)").action(async (opts: { principal?: string }) => {
    const options = globals();
    const res = await (await Api.open(options)).request("identity", "GET", `/api/entitlements/effective${opts.principal ? `?principalId=${encodeURIComponent(opts.principal)}` : ""}`);
    printRows(options, res.entitlements.map((e: string) => ({ entitlement: e })), [["entitlement", (r: { entitlement: string }) => r.entitlement]]);
  });
  ents.command("grant <principalId> <entitlement>").action(async (principalId: string, entitlement: string) => {
    const options = globals();
    printObject(options, await (await Api.open(options)).request("identity", "POST", "/api/entitlements/grants", { principalId, entitlement }));
  });
  ents.command("revoke <grantId>").action(async (grantId: string) => {
    await (await Api.open(globals())).request("identity", "DELETE", `/api/entitlements/grants/${encodeURIComponent(grantId)}`);
    process.stderr.write("Revoked.\n");
  });
}
