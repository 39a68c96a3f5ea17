import type { ServerConfig } from "./server.js";

/**
 * Server settings for tests: port 0, no shutdown delays, generous rate limits, and logs silenced
 * unless `TEST_LOG_LEVEL` asks for them (test helpers are the one place a library reads the
 * environment: they run under the test runner).
 */
export function testServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    env: "test",
    host: "127.0.0.1",
    port: 0,
    logLevel: process.env.TEST_LOG_LEVEL ?? "silent",
    bodyLimitBytes: 1024 * 1024,
    corsOrigins: [],
    rateLimit: { points: 100_000, durationSeconds: 60 },
    shutdown: { preShutdownDelayMs: 0, graceMs: 2_000 },
    ...overrides,
  };
}
