import { useEffect, useState, type FormEvent } from "react";
import { api, currentSession } from "../api.js";
import { navigate } from "../router.js";

interface SpanNode {
  spanId: string;
  name: string;
  service: string;
  durationMs: number;
  status: string;
  children: SpanNode[];
}

interface Topology {
  nodes: { id: string; type: string; status: string }[];
  edges: { from: string; to: string; count: number }[];
  contracts: { id: string; from: string; to: string; allowedEventTypes: string[] }[];
}

/** Admin views: the network's topology and one turn's trace across services. */
export function Admin({ traceId }: { traceId?: string }) {
  const orgId = currentSession()?.principal.orgs[0]?.orgId;
  return (
    <>
      <TraceView initial={traceId} orgId={orgId} />
      <TopologyView orgId={orgId} />
    </>
  );
}

function TopologyView({ orgId }: { orgId: string | undefined }) {
  const [topology, setTopology] = useState<Topology | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () => api<Topology>("network", "/sdn/topology", orgId ? { orgId } : {}).then(setTopology, (e: Error) => setError(e.message));
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => clearInterval(timer);
  }, [orgId]);
  return (
    <section className="card">
      <h2>Network topology</h2>
      {error ? <p className="error">{error}</p> : null}
      {topology ? (
        <>
          <table aria-label="nodes">
            <thead><tr><th>node</th><th>type</th><th>status</th></tr></thead>
            <tbody>{topology.nodes.map((n) => <tr key={n.id}><td>{n.id}</td><td>{n.type}</td><td>{n.status}</td></tr>)}</tbody>
          </table>
          <h3>Traffic</h3>
          <table aria-label="edges">
            <thead><tr><th>from</th><th>to</th><th>events</th></tr></thead>
            <tbody>{topology.edges.map((e) => <tr key={`${e.from}>${e.to}`}><td>{e.from}</td><td>{e.to}</td><td>{e.count}</td></tr>)}</tbody>
          </table>
          <p className="muted">{topology.contracts.length} contracts govern this traffic.</p>
        </>
      ) : null}
    </section>
  );
}

function TraceView({ initial, orgId }: { initial: string | undefined; orgId: string | undefined }) {
  const [input, setInput] = useState(initial ?? "");
  const [trace, setTrace] = useState<{ traceId: string; services: string[]; spanCount: number; durationMs: number; roots: SpanNode[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!initial) return;
    setError(null);
    api<typeof trace & object>("logging", `/traces/${encodeURIComponent(initial)}`, orgId ? { orgId } : {}).then(setTrace, (e: Error) => setError(e.message));
  }, [initial, orgId]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/admin/trace/${input.trim()}`);
  };
  return (
    <section className="card">
      <h2>Trace of a turn</h2>
      <form onSubmit={submit} className="composer">
        <input aria-label="trace id" placeholder="trace id (from a message in the chat)" value={input} onChange={(e) => setInput(e.target.value)} />
        <button type="submit">Show</button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      {trace ? (
        <>
          <p>{trace.spanCount} spans across {trace.services.join(" → ")} in {trace.durationMs.toFixed(1)} ms</p>
          <ul className="tree">{trace.roots.map((s) => <Span key={s.spanId} span={s} />)}</ul>
        </>
      ) : null}
    </section>
  );
}

function Span({ span }: { span: SpanNode }) {
  return (
    <li>
      <span className={span.status === "error" ? "error" : ""}>{span.name}</span> <span className="muted">[{span.service}] {span.durationMs.toFixed(1)} ms</span>
      {span.children.length ? <ul>{span.children.map((c) => <Span key={c.spanId} span={c} />)}</ul> : null}
    </li>
  );
}
