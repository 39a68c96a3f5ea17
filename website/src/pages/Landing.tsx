const PILLARS = [
  ["Identity", "Users, AI agents and services are principals with entity ids, entitlements, scoped API keys and an audit trail. Agents never hold more than whoever registered them."],
  ["Orchestration", "Assistants run declarative rules and prompt graphs with durable runs, turn-taking between agents and handoff to people."],
  ["Communication", "Conversations shared by humans and agents over WebSockets and REST, with streamed replies you can pause, resume, cancel or hand off."],
  ["Observation", "Logs, metrics and traces from every service, one trace id from a message to its reply, and AI summaries of what happened."],
  ["Coordination", "A software-defined network: services and agents talk under signed events and explicit contracts, with policies that decide what passes."],
] as const;

const SERVICES = [
  ["identity", 5001, "principals, tokens, entitlements, vault, entity directory"],
  ["logging", 5002, "logs, metrics, traces, objects, live tail, AI analysis"],
  ["catalog", 5003, "versioned, frozen, signed resources and artifacts"],
  ["assistants", 5004, "rule engine, prompt graphs, turn-taking, code tools"],
  ["messaging", 5005, "conversations, streams, control events"],
  ["runtime", 5006, "dataflow graphs of typed components"],
  ["integrations", 5007, "every LLM behind one metered, cancellable API"],
  ["models", 5008, "local GGUF inference"],
  ["network", 5054, "signed, contract-governed event relay"],
] as const;

export function Landing() {
  return (
    <>
      <section className="hero">
        <h1>Infrastructure for LLM-native applications</h1>
        <p>
          In Symbia, an AI agent is not an API call: it is a principal — with an identity, entitlements and an audit trail — working beside the people it serves.
        </p>
        <a className="button" href="#/chat">Talk to the platform's assistants</a>
      </section>
      <section className="grid">
        {PILLARS.map(([title, text]) => (
          <article key={title} className="card">
            <h2>{title}</h2>
            <p>{text}</p>
          </article>
        ))}
      </section>
      <section className="card">
        <h2>Nine services, one protocol</h2>
        <table>
          <thead>
            <tr><th>service</th><th>port</th><th>owns</th></tr>
          </thead>
          <tbody>
            {SERVICES.map(([name, port, owns]) => (
              <tr key={name}><td>{name}</td><td>{port}</td><td>{owns}</td></tr>
            ))}
          </tbody>
        </table>
        <p className="muted">Every service answers <code>/docs/llms.txt</code>, so an LLM can read the API it is about to call.</p>
      </section>
    </>
  );
}
