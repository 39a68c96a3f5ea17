import { MessagingSocket, websiteChat, type Message } from "@symbia/messaging-client";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, api, currentSession, resume } from "../api.js";

interface Line {
  id: string;
  traceId?: string | null;
  who: string;
  mine: boolean;
  text: string;
  streaming: boolean;
  status?: string;
  /** The model that wrote a reply (`provider/model`), from the reply's metadata. */
  model?: string;
}

/** The models service's built-in test model: real inference, one fixed sentence. */
const TEST_MODEL = "symbia-tiny-test";

interface Conversation {
  id: string;
  name: string | null;
  type: string;
}

const displayName = (ref: { principalId: string; principalType: string }) =>
  ref.principalType === "agent" ? ref.principalId.replace(/^assistant:/, "").replace(/:/g, " · ") : ref.principalType === "user" ? "person" : ref.principalId;

/** The live chat: signed-in people talk with their org's assistants over Socket.IO; visitors use the demo endpoint. */
export function Chat({ conversationId }: { conversationId?: string | undefined }) {
  return currentSession() ? <MemberChat conversationId={conversationId} /> : <GuestChat />;
}

/** `conversationId`: the conversation to open (from `#/chat/<id>`), else the newest. */
function MemberChat({ conversationId }: { conversationId?: string | undefined }) {
  const session = currentSession()!;
  const orgId = session.principal.orgs[0]?.orgId;
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState("");
  const [streamingId, setStreamingId] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const socketRef = useRef<MessagingSocket | null>(null);
  const activeRef = useRef<string | null>(null);
  activeRef.current = active;

  const toLine = (m: Message): Line => ({
    id: m.id,
    who: m.sender.principalId === session.principal.id ? "you" : displayName(m.sender),
    mine: m.sender.principalId === session.principal.id,
    text: m.content ?? "(deleted)",
    traceId: m.traceId,
    streaming: false,
    ...(m.status === "cancelled" ? { status: "stopped" } : {}),
    ...(typeof m.metadata?.model === "string" ? { model: `${typeof m.metadata.provider === "string" ? `${m.metadata.provider}/` : ""}${m.metadata.model}` } : {}),
  });

  useEffect(() => {
    if (!orgId) return;
    const socket = new MessagingSocket({
      url: window.location.origin,
      credentials: { token: async () => (currentSession() ?? ((await resume()) ? currentSession() : null))!.accessToken },
      orgId,
      io: { path: "/svc/messaging/socket.io" },
    });
    socketRef.current = socket;
    socket.on("message", (m) => {
      if (m.conversationId !== activeRef.current || m.contentType === "event") return;
      setLines((prev) => [...prev.filter((l) => l.id !== m.id), toLine(m)]);
      setStreamingId((id) => (id === m.id ? null : id));
    });
    socket.on("chunk", (c) => {
      if (c.conversationId !== activeRef.current) return;
      setLines((prev) => prev.map((l) => (l.id === c.messageId ? { ...l, text: l.text + c.delta } : l)));
    });
    socket.socket.on("stream:started", (s) => {
      if (s.conversationId !== activeRef.current) return;
      setStreamingId(s.messageId);
      setPaused(false);
      setLines((prev) => [...prev, { id: s.messageId, who: displayName(s.sender), mine: false, text: s.content, streaming: true }]);
    });
    socket.socket.on("stream:updated", (s) => setPaused(s.state === "paused"));
    socket.socket.on("stream:ended", (s) => {
      setStreamingId((id) => (id === s.messageId ? null : id));
      setLines((prev) => prev.map((l) => (l.id === s.messageId ? { ...l, streaming: false, ...(s.reason ? { status: "stopped" } : {}) } : l)));
    });
    void api<{ items: Conversation[] }>("messaging", "/conversations", { orgId }).then((res) => {
      setConversations(res.items);
      const wanted = res.items.find((c) => c.id === conversationId) ?? res.items[0];
      if (wanted) setActive(wanted.id);
    }, (e: Error) => setError(e.message));
    return () => socket.close();
  }, [orgId]);

  useEffect(() => {
    if (!active || !orgId) return;
    void api<{ items: Message[] }>("messaging", `/conversations/${active}/messages?limit=100`, { orgId }).then((res) => {
      setLines(res.items.filter((m) => m.contentType !== "event").map(toLine));
      socketRef.current?.track(active, res.items.at(-1)?.sequence ?? 0);
    });
  }, [active, orgId]);

  async function startConversation() {
    setError(null);
    try {
      const agents = await api<{ items: { agentId: string; revokedAt: string | null }[] }>("identity", "/agents", { orgId });
      const participants = agents.items.filter((a) => !a.revokedAt).map((a) => ({ principalId: a.agentId }));
      if (!participants.length) throw new Error("Your organization has no assistants yet.");
      const created = await api<Conversation>("messaging", "/conversations", { orgId, body: { type: "group", name: "Chat with the assistants", participants } });
      setConversations((prev) => [created, ...prev]);
      setActive(created.id);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    if (!active || !text.trim() || !socketRef.current) return;
    const content = text;
    setText("");
    try {
      await socketRef.current.send(active, { content, clientId: crypto.randomUUID() });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const control = (name: "cancel" | "pause" | "resume") => async () => {
    if (!active || !socketRef.current) return;
    try {
      await socketRef.current.control(active, { event: name } as never);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  if (!orgId) return <section className="card">You belong to no organization yet.</section>;
  return (
    <section className="card chat">
      <div className="controls">
        <select aria-label="conversation" value={active ?? ""} onChange={(e) => setActive(e.target.value || null)}>
          {conversations.map((c) => (
            <option key={c.id} value={c.id}>{c.name ?? c.id.slice(0, 8)}</option>
          ))}
        </select>
        <button className="secondary" onClick={() => void startConversation()}>New conversation</button>
        <span style={{ flex: 1 }} />
        <button className="secondary" disabled={!streamingId || paused} onClick={() => void control("pause")()}>Pause</button>
        <button className="secondary" disabled={!streamingId || !paused} onClick={() => void control("resume")()}>Resume</button>
        <button disabled={!streamingId} onClick={() => void control("cancel")()}>Stop</button>
      </div>
      {error ? <p className="error" role="alert">{error}</p> : null}
      <Messages lines={lines} />
      <form className="composer" onSubmit={send}>
        <input aria-label="message" placeholder={active ? "Write a message…" : "Start a conversation first"} value={text} onChange={(e) => setText(e.target.value)} disabled={!active} />
        <button type="submit" disabled={!active}>Send</button>
      </form>
    </section>
  );
}

function GuestChat() {
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const guest = useRef<string | undefined>(sessionStorage.getItem("symbia.guest") ?? undefined);
  const abort = useRef<AbortController | null>(null);

  async function send(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) return;
    const content = text;
    setText("");
    setBusy(true);
    setLines((prev) => [...prev, { id: crypto.randomUUID(), who: "you", mine: true, text: content, streaming: false }]);
    abort.current = new AbortController();
    let replyId: string | null = null;
    try {
      for await (const e of websiteChat({ baseUrl: `${window.location.origin}/svc/messaging`, message: content, ...(guest.current ? { guestSession: guest.current } : {}), signal: abort.current.signal })) {
        if (e.event === "session") {
          guest.current = e.data.guestSession ?? guest.current;
          if (guest.current) sessionStorage.setItem("symbia.guest", guest.current);
        } else if (e.event === "start") {
          replyId = e.data.messageId;
          setLines((prev) => [...prev, { id: replyId!, who: displayName(e.data.sender), mine: false, text: "", streaming: true }]);
        } else if (e.event === "chunk") {
          setLines((prev) => prev.map((l) => (l.id === e.data.messageId ? { ...l, text: l.text + e.data.delta } : l)));
        } else if (e.event === "done") {
          setLines((prev) => prev.map((l) => (l.id === replyId ? { ...l, streaming: false, text: e.data.content ?? l.text } : l)));
        } else if (e.event === "error") {
          setNotice(e.data.message);
        }
      }
    } catch (e) {
      if ((e as Error).name !== "AbortError") setNotice(e instanceof ApiError || (e as { status?: number }).status === 401 ? "The public demo is not enabled on this installation: sign in to chat." : (e as Error).message);
    } finally {
      setBusy(false);
      setLines((prev) => prev.map((l) => (l.streaming ? { ...l, streaming: false } : l)));
    }
  }

  return (
    <section className="card chat">
      <p className="notice">You are chatting as a guest with the platform's demo assistant. <a href="#/login">Sign in</a> to pause, resume and stop replies, and to talk with your organization's assistants.</p>
      {notice ? <p className="error" role="alert">{notice}</p> : null}
      <Messages lines={lines} />
      <form className="composer" onSubmit={send}>
        <input aria-label="message" placeholder="Ask the assistant…" value={text} onChange={(e) => setText(e.target.value)} />
        {busy ? <button type="button" onClick={() => abort.current?.abort()}>Stop</button> : <button type="submit">Send</button>}
      </form>
    </section>
  );
}

function Messages({ lines }: { lines: Line[] }) {
  const end = useRef<HTMLDivElement | null>(null);
  // A block body: newer browsers return a Promise from scrollIntoView, which React would take for a cleanup.
  useEffect(() => {
    void end.current?.scrollIntoView({ block: "end" });
  }, [lines]);
  return (
    <div className="messages" aria-live="polite">
      {lines.map((l) => (
        <div key={l.id} className={`message ${l.mine ? "mine" : "theirs"}${l.streaming ? " streaming" : ""}`} data-testid={l.mine ? "mine" : "reply"}>
          <div className="who">
            {l.who}
            {l.status ? ` — ${l.status}` : ""}
            {l.traceId ? <a className="trace" href={`#/admin/trace/${l.traceId}`} title="this turn's trace across services">trace</a> : null}
          </div>
          {l.text}
          {l.model ? (
            <div className="model" data-testid="model">
              {l.model}
              {l.model.endsWith(TEST_MODEL) ? " — the built-in test model, not a real language model: set a provider key or add a GGUF model to get real answers" : ""}
            </div>
          ) : null}
        </div>
      ))}
      <div ref={end} />
    </div>
  );
}
