import type { Command } from "commander";
import { Api, type GlobalOptions } from "../api.js";
import { loadStore, saveStore, urlOf } from "../config.js";
import { CliError, EXIT, fromEnvelope } from "../errors.js";
import { printObject } from "../output.js";
import { prompt, readStdin } from "../prompt.js";

/** login, logout, whoami. */
export function authCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command("login")
    .description("log in with email and password, or save an API key")
    .option("--email <email>", "account email")
    .option("--password <password>", "password (prefer --password-stdin or the prompt)")
    .option("--password-stdin", "read the password from standard input")
    .option("--api-key <key>", "use an API key (sk_…) instead of a password")
    .action(async (opts: { email?: string; password?: string; passwordStdin?: boolean; apiKey?: string }) => {
      const options = globals();
      const identityUrl = urlOf("identity");
      const store = await loadStore();
      if (opts.apiKey) {
        if (!opts.apiKey.startsWith("sk_")) throw new CliError("an API key starts with sk_", EXIT.usage);
        store.profiles[options.profile] = { identityUrl, apiKey: opts.apiKey };
        await saveStore(store);
        const me = await (await Api.open(options)).request("identity", "GET", "/api/auth/me");
        process.stderr.write(`Logged in with an API key as ${me.email ?? me.id}.\n`);
        return;
      }
      const email = opts.email ?? (await prompt("email: "));
      const password = opts.password ?? (opts.passwordStdin ? await readStdin() : await prompt("password: ", true));
      const res = await fetch(`${identityUrl}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) }).catch((error: Error) => {
        throw new CliError(`identity is unreachable at ${identityUrl} (${error.message})`, EXIT.unavailable, "is the stack running? `npm start`");
      });
      const body = (await res.json()) as { accessToken?: string; refreshToken?: string; principal?: { orgs: { orgId: string }[]; email?: string }; error?: { code: string; message: string } };
      if (!res.ok) throw fromEnvelope(res.status, body.error?.code, body.error?.message ?? "login failed");
      store.profiles[options.profile] = {
        identityUrl,
        accessToken: body.accessToken!,
        refreshToken: body.refreshToken!,
        email,
        ...(body.principal?.orgs[0] ? { orgId: body.principal.orgs[0].orgId } : {}),
      };
      await saveStore(store);
      process.stderr.write(`Logged in as ${email}.\n`);
    });

  program
    .command("logout")
    .description("end the session and forget the saved credentials")
    .action(async () => {
      const options = globals();
      const api = await Api.open(options);
      const store = await loadStore();
      const profile = store.profiles[options.profile];
      if (profile?.accessToken) await api.request("identity", "POST", "/api/auth/logout", {}).catch(() => undefined);
      delete store.profiles[options.profile];
      await saveStore(store);
      process.stderr.write("Logged out.\n");
    });

  program
    .command("whoami")
    .description("show the logged-in principal")
    .action(async () => {
      const options = globals();
      const me = await (await Api.open(options)).request("identity", "GET", "/api/auth/me");
      printObject(options, { id: me.id, type: me.type, name: me.name, email: me.email, entityId: me.entityId, superAdmin: me.superAdmin, orgs: me.orgs.map((o: { orgId: string; role?: string }) => `${o.orgId}${o.role ? ` (${o.role})` : ""}`) });
    });
}
