import type { Conversation } from "@symbia/messaging-client";
import { useEffect, useState } from "react";
import { api, currentSession } from "../api.js";

/** The signed-in person's conversations in their organization, newest first; each opens in the chat. */
export function Conversations() {
  const session = currentSession();
  const orgId = session?.principal.orgs[0]?.orgId;
  const [items, setItems] = useState<Conversation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!orgId) return;
    void api<{ items: Conversation[] }>("messaging", "/conversations?limit=100", { orgId }).then(
      (res) => setItems(res.items),
      (e: Error) => setError(e.message),
    );
  }, [orgId]);

  if (!session) return <section className="card">Sign in to see your conversations.</section>;
  if (!orgId) return <section className="card">You belong to no organization yet.</section>;
  return (
    <section className="card">
      <h1>Conversations</h1>
      {error ? <p className="error" role="alert">{error}</p> : null}
      {items === null ? <p className="muted">Loading…</p> : null}
      {items?.length === 0 ? <p className="muted">No conversation yet: start one in the <a href="#/chat">live chat</a>.</p> : null}
      {items?.length ? (
        <table className="list" aria-label="conversations">
          <thead>
            <tr>
              <th>name</th>
              <th>type</th>
              <th>messages</th>
              <th>answered by</th>
              <th>last change</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={`#/chat/${c.id}`}>{c.name ?? c.id.slice(0, 8)}</a>
                </td>
                <td>{c.type}</td>
                <td>{c.lastSequence}</td>
                <td>{c.activeResponder ? c.activeResponder.principalId : "the assistants"}</td>
                <td>{new Date(c.updatedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
