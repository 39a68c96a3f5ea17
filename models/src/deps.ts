import { createLogger, type Authenticator, type Logger } from "@symbia/http";
import { createVerifier, loginAsService } from "@symbia/id";
import { createServiceTelemetry, telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import { ModelCatalog } from "./catalog/catalog.service.js";
import type { ModelsConfig } from "./config.js";
import { ModelManager } from "./models/models.service.js";
import { ensureTestModel } from "./test-model/test-model.js";

/** What {@link createApp} wires together. */
export interface AppDeps {
  config: ModelsConfig;
  logger: Logger;
  models: ModelManager;
  /** The auth slot of @symbia/http: identity's verifier, or a test authenticator. */
  authenticate: Authenticator;
  /** Stops what `authenticate` runs in the background (identity's revocation feed). */
  closeAuth?: () => void;
  /** Ships request spans and warn+ log lines to logging (absent when disabled or without a secret). */
  telemetry?: LoggingClient;
}

/**
 * Builds the service's dependencies from its configuration: the logger, the model directory (with
 * the built-in test model written into it when it holds no GGUF and MODELS_CREATE_TEST_MODEL is on),
 * the model manager, and identity's token verifier (`@symbia/id`) unless `extra.authenticate` is
 * given. Loads no model: MODELS_PRELOAD is started by `index.ts`.
 */
export async function buildDeps(config: ModelsConfig, extra: { authenticate?: Authenticator; logger?: Logger } = {}): Promise<AppDeps> {
  const identityUrl = config.serviceUrls.identity;
  const secret = config.identity.serviceSecret;
  const session = secret ? loginAsService({ identityUrl, serviceId: "models", secret }) : undefined;
  // Dropped telemetry batches are reported on a logger that is not itself shipped.
  const telemetry = extra.authenticate ? undefined : createServiceTelemetry({ service: "models", env: config.env, config: config.telemetry, auth: session, report: createLogger({ service: "models", level: config.logLevel }) });
  const logger =
    extra.logger ??
    createLogger({ service: "models", level: config.logLevel, ...(telemetry ? { destination: telemetryDestination(telemetry, { minLevel: config.telemetry.logLevel }) } : {}) });
  if (config.models.createTestModel) {
    const created = await ensureTestModel(config.models.dir);
    if (created.created) logger.info({ path: created.path }, "model directory had no model: wrote the built-in test model symbia-tiny-test");
  }
  const models = new ModelManager(new ModelCatalog(config.models.dir), config.models, logger);
  if (extra.authenticate) return { config, logger, models, authenticate: extra.authenticate };

  if (!secret) logger.warn("MODELS_SERVICE_SECRET is not set: API keys cannot be checked and token revocations are not followed");
  let lastFeedWarning = 0;
  const verifier = createVerifier({
    identityUrl,
    issuer: config.identity.issuer,
    ...(session ? { auth: session } : {}),
    onError: (error) => {
      // Identity down: tokens still verify against the cached keys; say so once a minute, not every poll.
      if (Date.now() - lastFeedWarning < 60_000) return;
      lastFeedWarning = Date.now();
      logger.warn({ err: error }, "identity's revocation feed is unreachable");
    },
  });
  return { config, logger, models, authenticate: verifier.authenticate, closeAuth: () => verifier.close(), ...(telemetry ? { telemetry } : {}) };
}
