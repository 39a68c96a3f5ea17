/**
 * Capability names (`cap:<service>.<action>`) and role names (`role:<name>`) used across the
 * platform (ARCHITECTURE §4, "Entitlements"). Services check these; identity grants them.
 */
export const CAPABILITIES = {
  identity: {
    introspect: "cap:identity.introspect",
    agentsWrite: "cap:identity.agents.write",
    credentialsRead: "cap:identity.credentials.read",
    orgsAdmin: "cap:identity.orgs.admin",
    auditRead: "cap:identity.audit.read",
    entitlementsWrite: "cap:identity.entitlements.write",
  },
  messaging: {
    read: "cap:messaging.read",
    send: "cap:messaging.send",
    interrupt: "cap:messaging.interrupt",
    route: "cap:messaging.route",
  },
  network: {
    topologyRead: "cap:network.topology.read",
    eventsRead: "cap:network.events.read",
    tracesRead: "cap:network.traces.read",
    policiesRead: "cap:network.policies.read",
    policiesWrite: "cap:network.policies.write",
    contractsWrite: "cap:network.contracts.write",
    nodesAdmin: "cap:network.nodes.admin",
  },
  catalog: {
    read: "cap:catalog.read",
    write: "cap:catalog.write",
    publish: "cap:catalog.publish",
    sign: "cap:catalog.sign",
    admin: "cap:catalog.admin",
  },
  logging: {
    read: "cap:logging.read",
    write: "cap:logging.write",
    readSensitive: "cap:logging.read.sensitive",
  },
  integrations: {
    execute: "cap:integrations.execute",
    usageRead: "cap:integrations.usage.read",
  },
  assistants: {
    read: "cap:assistants.read",
    write: "cap:assistants.write",
    run: "cap:assistants.run",
  },
  runtime: {
    read: "cap:runtime.read",
    execute: "cap:runtime.execute",
  },
  models: {
    infer: "cap:models.infer",
    admin: "cap:models.admin",
  },
} as const;

/** Role entitlement names. */
export const ROLES = {
  superAdmin: "role:super_admin",
  orgOwner: "role:org:owner",
  orgAdmin: "role:org:admin",
  orgMember: "role:org:member",
  orgViewer: "role:org:viewer",
  service: "role:service",
} as const;

/** True when `value` looks like a capability (`cap:<service>.<action>`). */
export function isCapability(value: string): boolean {
  return /^cap:[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/.test(value);
}

/** True when `value` looks like a role entitlement (`role:<name>`). */
export function isRole(value: string): boolean {
  return /^role:[a-z][a-z0-9_:-]*$/.test(value);
}
