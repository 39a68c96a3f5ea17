import { createLogger, type Authenticator, type Logger } from "@symbia/http";
import { ModelCatalog } from "./catalog/catalog.service.js";
import type { ModelsConfig } from "./config.js";
import { ModelManager } from "./models/models.service.js";
import { ensureTestModel } from "./test-model/test-model.js";

/** What {@link createApp} wires together. */
export interface AppDeps {
  config: ModelsConfig;
  logger: Logger;
  models: ModelManager;
  /** The auth slot of @symbia/http: identity's verifier once it exists. Without it every authenticated route answers 401. */
  authenticate?: Authenticator;
}

/**
 * Builds the service's dependencies from its configuration: the logger, the model directory (with
 * the built-in test model written into it when it holds no GGUF and MODELS_CREATE_TEST_MODEL is on)
 * and the model manager. Loads nothing: MODELS_PRELOAD is started by `index.ts`.
 */
export async function buildDeps(config: ModelsConfig, extra: { authenticate?: Authenticator; logger?: Logger } = {}): Promise<AppDeps> {
  const logger = extra.logger ?? createLogger({ service: "models", level: config.logLevel });
  if (config.models.createTestModel) {
    const created = await ensureTestModel(config.models.dir);
    if (created.created) logger.info({ path: created.path }, "model directory had no model: wrote the built-in test model symbia-tiny-test");
  }
  const models = new ModelManager(new ModelCatalog(config.models.dir), config.models, logger);
  return { config, logger, models, ...(extra.authenticate ? { authenticate: extra.authenticate } : {}) };
}
