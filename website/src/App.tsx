import { useEffect, useState } from "react";
import { currentSession, logout, onSession, resume } from "./api.js";
import { Admin } from "./pages/Admin.js";
import { Chat } from "./pages/Chat.js";
import { Conversations } from "./pages/Conversations.js";
import { Landing } from "./pages/Landing.js";
import { Login } from "./pages/Login.js";
import { navigate, useRoute } from "./router.js";

export function App() {
  const route = useRoute();
  const [session, setSession] = useState(currentSession());
  const [restored, setRestored] = useState(false);
  useEffect(() => onSession(setSession), []);
  useEffect(() => {
    void resume().finally(() => setRestored(true));
  }, []);

  return (
    <div className="shell">
      <header className="top">
        <a href="#/" className="brand">Symbia<span>Stack</span></a>
        <nav>
          <a href="#/">Platform</a>
          <a href="#/chat">Live chat</a>
          {session ? <a href="#/conversations">Conversations</a> : null}
          {session?.principal.superAdmin || session?.principal.orgs.some((o) => o.role === "admin" || o.role === "owner") ? <a href="#/admin">Admin</a> : null}
          {session ? (
            <button className="link" onClick={() => void logout().then(() => navigate("/"))}>Sign out ({session.principal.email ?? session.principal.name})</button>
          ) : (
            <a href="#/login">Sign in</a>
          )}
        </nav>
      </header>
      <main>{!restored ? null : route === "/login" ? <Login /> : route === "/chat" || route.startsWith("/chat/") ? <Chat key={`${session?.principal.id ?? "guest"}${route}`} conversationId={route.match(/^\/chat\/(.+)$/)?.[1]} /> : route === "/conversations" && session ? <Conversations /> : route.startsWith("/admin") && session ? <Admin traceId={route.match(/^\/admin\/trace\/(.+)$/)?.[1]} /> : <Landing />}</main>
      <footer>Symbia Stack — agents and people as principals on one platform.</footer>
    </div>
  );
}
