import { readFile } from "node:fs/promises";
import { MessagingSocket } from "@symbia/messaging-client";
import type { Command } from "commander";
import { io } from "socket.io-client";
import { Api, type GlobalOptions } from "../api.js";
import { urlOf } from "../config.js";
import { CliError, EXIT } from "../errors.js";
import { printObject, printRows } from "../output.js";

const token = (api: Api) => {
  const p = api.requireProfile();
  return (p.apiKey ?? p.accessToken)!;
};

/** msg (conversations, send, watch), runtime (validate, execute, watch), network (topology, contracts, policies, trace). */
export function workCommands(program: Command, globals: () => GlobalOptions): void {
  const msg = program.command("msg").description("conversations and messages");
  msg.command("conversations").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("messaging", "GET", "/api/conversations");
    printRows(options, res.items, [["id", (c: any) => c.id], ["type", (c: any) => c.type], ["name", (c: any) => c.name ?? ""], ["updated", (c: any) => c.lastMessageAt ?? c.updatedAt ?? ""]]);
  });
  msg
    .command("create")
    .option("--name <name>", "conversation name")
    .option("--with <principalId...>", "participants (user ids or agent ids)", [])
    .action(async (opts: { name?: string; with: string[] }) => {
      const options = globals();
      const body = { type: "group", ...(opts.name ? { name: opts.name } : {}), participants: opts.with.map((principalId) => ({ principalId })) };
      printObject(options, await (await Api.open(options)).request("messaging", "POST", "/api/conversations", body));
    });
  msg.command("send <conversationId> <text>").action(async (conversationId: string, text: string) => {
    const options = globals();
    const m = await (await Api.open(options)).request("messaging", "POST", `/api/conversations/${encodeURIComponent(conversationId)}/messages`, { content: text });
    printObject(options, { id: m.id, sequence: m.sequence });
  });
  msg
    .command("watch <conversationId>")
    .description("print a conversation live, streamed replies as they arrive (Ctrl-C to stop)")
    .action(async (conversationId: string) => {
      const options = globals();
      const api = await Api.open(options);
      const orgId = api.orgId();
      const socket = new MessagingSocket({ url: urlOf("messaging"), credentials: { token: token(api) }, ...(orgId ? { orgId } : {}) });
      await new Promise<void>((resolve, reject) => {
        socket.socket.once("connect", () => resolve());
        socket.socket.once("connect_error", (e) => reject(new CliError(`cannot watch: ${e.message}`, EXIT.unauthenticated)));
      });
      const last = await api.request("messaging", "GET", `/api/conversations/${encodeURIComponent(conversationId)}/messages?limit=1`);
      socket.track(conversationId, last.items.at(-1)?.sequence ?? 0);
      const who = (ref: { principalId: string }) => ref.principalId;
      socket.on("message", (m) => {
        if (m.conversationId === conversationId) process.stdout.write(`\n[${m.sequence}] ${who(m.sender)}: ${m.content ?? ""}\n`);
      });
      socket.socket.on("stream:started", (s) => {
        if (s.conversationId === conversationId) process.stdout.write(`${who(s.sender)} (streaming): `);
      });
      socket.on("chunk", (c) => {
        if (c.conversationId === conversationId) process.stdout.write(c.delta);
      });
      process.stderr.write(`Watching ${conversationId}; Ctrl-C to stop.\n`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => (socket.close(), resolve())));
    });

  const runtime = program.command("runtime").description("dataflow graphs");
  runtime.command("validate <graphFile>").action(async (file: string) => {
    const options = globals();
    const graph = JSON.parse(await readFile(file, "utf8")) as unknown;
    printObject(options, await (await Api.open(options)).request("runtime", "POST", "/api/graphs/validate", { graph }));
  });
  runtime
    .command("execute <graphFileOrRef>")
    .description("run a graph file or a catalog graph (graphs/<name>)")
    .action(async (target: string) => {
      const options = globals();
      const body = target.startsWith("graphs/") ? { graphRef: target, start: true } : { graph: JSON.parse(await readFile(target, "utf8")) as unknown, start: true };
      const e = await (await Api.open(options)).request("runtime", "POST", "/api/executions", body);
      printObject(options, { id: e.id, state: e.state });
    });
  runtime.command("executions").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("runtime", "GET", "/api/executions");
    printRows(options, res.items, [["id", (e: any) => e.id], ["state", (e: any) => e.state], ["created", (e: any) => e.createdAt]]);
  });
  runtime.command("watch <executionId>").description("state changes and metrics live").action(async (id: string) => {
    const api = await Api.open(globals());
    const orgId = api.orgId();
    const socket = io(urlOf("runtime"), { auth: { token: token(api), ...(orgId ? { orgId } : {}) }, transports: ["websocket"] });
    const ack = (await socket.timeout(10_000).emitWithAck("execution:watch", { executionId: id })) as { ok: boolean; error?: { message: string } };
    if (!ack.ok) throw new CliError(ack.error?.message ?? "watch refused", EXIT.notFound);
    socket.on("execution:state", (s: { state: string }) => process.stdout.write(`state ${s.state}\n`));
    socket.on("execution:metrics", (m: unknown) => process.stdout.write(`metrics ${JSON.stringify(m)}\n`));
    await new Promise<void>((resolve) => {
      socket.on("execution:state", (s: { state: string }) => ["completed", "failed", "cancelled"].includes(s.state) && resolve());
      process.once("SIGINT", () => resolve());
    });
    socket.close();
  });

  const network = program.command("network").description("nodes, contracts, policies, traces");
  network.command("topology").action(async () => {
    const options = globals();
    const t = await (await Api.open(options)).request("network", "GET", "/api/sdn/topology");
    if (options.output !== "table") return printObject(options, t);
    printRows(options, t.nodes, [["node", (n: any) => n.id], ["type", (n: any) => n.type], ["status", (n: any) => n.status]]);
    printRows(options, t.edges, [["from", (e: any) => e.from], ["to", (e: any) => e.to], ["events", (e: any) => e.count]]);
  });
  network.command("contracts").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("network", "GET", "/api/contracts");
    printRows(options, res.items, [["id", (c: any) => c.id], ["from", (c: any) => c.from], ["to", (c: any) => c.to], ["types", (c: any) => c.allowedEventTypes], ["expires", (c: any) => c.expiresAt ?? ""]]);
  });
  network.command("policies").action(async () => {
    const options = globals();
    const res = await (await Api.open(options)).request("network", "GET", "/api/policies");
    printRows(options, res.items, [["id", (p: any) => p.id], ["name", (p: any) => p.name], ["priority", (p: any) => p.priority], ["action", (p: any) => p.action?.type ?? p.action]]);
  });
  network.command("trace <runId>").description("every hop of a run through the relay").action(async (runId: string) => {
    const options = globals();
    const res = await (await Api.open(options)).request("network", "GET", `/api/sdn/traces/${encodeURIComponent(runId)}`);
    printRows(options, res.traces, [["event", (t: any) => t.type ?? t.eventType], ["from", (t: any) => t.source], ["status", (t: any) => t.status], ["hops", (t: any) => (t.hops ?? []).map((h: any) => `${h.node}:${h.action}`).join(" → ")]]);
  });
}
