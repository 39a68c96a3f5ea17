import { CAPABILITIES as C, ROLES, type ServiceId } from "@symbia/sys";

/**
 * What each platform service principal may do, platform-wide (service principals serve every
 * tenant). Every service gets `role:service` (introspection, entity binding); the rest is the
 * least each needs to call the others on behalf of the principals it serves. Every service but
 * logging itself ships its telemetry to logging (`cap:logging.write`).
 */
export const SERVICE_CAPABILITIES: Record<ServiceId, readonly string[]> = {
  identity: [ROLES.service, C.logging.write],
  logging: [ROLES.service, C.integrations.execute],
  catalog: [ROLES.service, C.logging.write],
  assistants: [
    ROLES.service, C.messaging.read, C.messaging.send, C.messaging.interrupt, C.messaging.route, C.integrations.execute,
    C.catalog.read, C.logging.write, C.identity.agentsWrite, C.models.infer,
  ],
  messaging: [ROLES.service, C.integrations.execute, C.logging.write],
  runtime: [ROLES.service, C.catalog.read, C.logging.write, C.assistants.run],
  integrations: [ROLES.service, C.identity.credentialsRead, C.catalog.read, C.models.infer, C.logging.write],
  models: [ROLES.service, C.logging.write],
  network: [ROLES.service, C.identity.entitiesBind, C.logging.write],
};
