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
    membersWrite: "cap:identity.members.write",
    projectsWrite: "cap:identity.projects.write",
    credentialsWrite: "cap:identity.credentials.write",
    entitiesBind: "cap:identity.entities.bind",
    keysAdmin: "cap:identity.keys.admin",
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

const C = CAPABILITIES;

/**
 * Capabilities each role grants, before inheritance. Roles inherit downward:
 * owner ⊃ admin ⊃ member ⊃ viewer (see {@link ROLE_PARENTS}).
 */
export const ROLE_CAPABILITIES: Readonly<Record<string, readonly string[]>> = {
  [ROLES.orgViewer]: [
    C.messaging.read, C.catalog.read, C.logging.read, C.assistants.read, C.runtime.read,
    C.network.topologyRead, C.network.tracesRead, C.network.eventsRead, C.network.policiesRead,
  ],
  [ROLES.orgMember]: [
    C.messaging.send, C.messaging.interrupt, C.catalog.write, C.logging.write, C.integrations.execute,
    C.assistants.run, C.runtime.execute, C.models.infer,
  ],
  [ROLES.orgAdmin]: [
    C.messaging.route, C.catalog.publish, C.catalog.sign, C.identity.agentsWrite, C.identity.auditRead,
    C.identity.entitlementsWrite, C.identity.membersWrite, C.identity.projectsWrite, C.identity.credentialsWrite, C.identity.introspect, C.network.policiesWrite, C.network.contractsWrite,
    C.integrations.usageRead, C.logging.readSensitive, C.assistants.write,
  ],
  [ROLES.orgOwner]: [C.identity.orgsAdmin, C.catalog.admin],
  [ROLES.service]: [C.identity.introspect, C.identity.entitiesBind],
};

/** Each role's parent roles, whose entitlements it inherits. */
export const ROLE_PARENTS: Readonly<Record<string, readonly string[]>> = {
  [ROLES.orgOwner]: [ROLES.orgAdmin],
  [ROLES.orgAdmin]: [ROLES.orgMember],
  [ROLES.orgMember]: [ROLES.orgViewer],
};

/** The role entitlement of an org role: `"admin"` → `"role:org:admin"`. */
export function orgRoleEntitlement(role: string): string {
  return `role:org:${role}`;
}

/**
 * Expands entitlements with role inheritance: every `role:…` brings its capabilities and its
 * parent roles (transitively). The result is sorted and de-duplicated; unknown roles stay as they
 * are (they may be checked by name).
 */
export function expandEntitlements(entitlements: readonly string[]): string[] {
  const out = new Set<string>();
  const visit = (e: string) => {
    if (out.has(e)) return;
    out.add(e);
    if (!isRole(e)) return;
    for (const cap of ROLE_CAPABILITIES[e] ?? []) out.add(cap);
    for (const parent of ROLE_PARENTS[e] ?? []) visit(parent);
  };
  entitlements.forEach(visit);
  return [...out].sort();
}

/**
 * True when `granted` covers `wanted`: equal, `"*"`, or a `prefix.*` wildcard such as
 * `cap:messaging.*` covering `cap:messaging.send`.
 */
export function entitlementCovers(granted: string, wanted: string): boolean {
  return granted === wanted || granted === "*" || (granted.endsWith(".*") && wanted.startsWith(granted.slice(0, -1)));
}

/** Every capability named in {@link CAPABILITIES}. */
export const ALL_CAPABILITIES: readonly string[] = Object.values(CAPABILITIES).flatMap((group) => Object.values(group));
