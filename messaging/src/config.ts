import { loadBaseConfig, type BaseConfig } from "@symbia/http";
import { telemetryConfigFromEnv, type TelemetryConfig } from "@symbia/logging-client";
import { z } from "zod";

const ms = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/** Messaging's own settings (on top of the shared ones from `loadBaseConfig`). */
export const MessagingConfigSchema = z
  .object({
    /** MESSAGING_SERVICE_SECRET: messaging's client secret at identity (API keys, revocation feed, directory look-ups). */
    serviceSecret: z.string().min(16).optional(),
    /** IDENTITY_ISSUER: expected `iss` of access tokens (default: identity's URL). */
    identityIssuer: z.string().min(1),
    /** MESSAGING_RELAY: join the network relay as `service:messaging` (default true; needs MESSAGING_SERVICE_SECRET). */
    relayEnabled: z.stringbool().default(true),
    /** MESSAGING_RELAY_ACK_TIMEOUT_MS: longest wait for the network's verdict on an event. */
    relayAckTimeoutMs: ms(10_000),
    /** REDIS_URL: when set, Socket.IO fans out through Redis so several instances serve one set of rooms. */
    redisUrl: z.string().url().optional(),
    /** MESSAGING_REDIS_PREFIX: key prefix of the Redis adapter's channels. */
    redisKeyPrefix: z.string().min(1).max(100).default("symbia:messaging"),
    /** MESSAGING_ASSISTANT_WEBHOOK_URL: where events go when the relay is down (default assistants' /api/webhooks/messaging). */
    assistantWebhookUrl: z.string().url(),
    /** MESSAGING_WEBHOOK_SECRET: HMAC-SHA256 key signing webhook bodies (`X-Symbia-Signature`); unsigned when absent. */
    webhookSecret: z.string().min(16).optional(),
    /** MESSAGING_WEBHOOK_TIMEOUT_MS: per attempt. */
    webhookTimeoutMs: ms(5_000),
    /** MESSAGING_WEBHOOK_RETRIES: extra attempts after a failed webhook POST (exponential backoff from 200 ms). */
    webhookRetries: z.coerce.number().int().min(0).max(10).default(3),
    /** MESSAGING_TYPING_TTL_MS: a typing indicator expires after this long without a renewal. */
    typingTtlMs: ms(6_000, 100),
    /** MESSAGING_STREAM_IDLE_MS: a streamed reply with no chunk for this long (and not paused) is cancelled. */
    streamIdleMs: ms(60_000, 100),
    /** MESSAGING_PAUSE_MAX_MS: a reply paused longer than this is cancelled. */
    pauseMaxMs: ms(300_000, 100),
    /** MESSAGING_MAX_HELD_CHUNKS: chunks held per paused reply before further chunks are refused (429). */
    maxHeldChunks: ms(10_000),
    /** Website chat (`POST /api/messaging/send`). */
    website: z.object({
      /** MESSAGING_GUEST_SECRET: signs guest sessions (HS256); guests are refused without it. */
      guestSecret: z.string().min(32).optional(),
      /** MESSAGING_DEMO_ORG_ID: the org guests talk in. */
      demoOrgId: z.string().min(1).optional(),
      /** MESSAGING_DEMO_ASSISTANT_ID: the agent (in the demo org) that answers guests. */
      demoAssistantId: z.string().min(1).optional(),
      /** MESSAGING_GUEST_SESSION_TTL_SECONDS: lifetime of a guest session. */
      guestSessionTtlSeconds: z.coerce.number().int().min(60).default(3_600),
      /** MESSAGING_GUEST_SESSIONS_PER_IP: new guest sessions per IP per hour. */
      guestSessionsPerIp: z.coerce.number().int().min(1).default(10),
      /** MESSAGING_GUEST_SENDS_PER_MINUTE: website messages per guest session per minute. */
      guestSendsPerMinute: z.coerce.number().int().min(1).default(10),
      /** MESSAGING_WEBSITE_SENDS_PER_IP: website messages per IP per minute, guests and members alike. */
      sendsPerIp: z.coerce.number().int().min(1).default(30),
      /** MESSAGING_WEBSITE_REPLY_TIMEOUT_MS: how long the endpoint waits for the reply to start, and between chunks. */
      replyTimeoutMs: ms(60_000, 100),
    }),
  })
  .superRefine((c, ctx) => {
    const w = c.website;
    if (w.guestSecret && (!w.demoOrgId || !w.demoAssistantId)) {
      ctx.addIssue({ code: "custom", path: ["website", "demoOrgId"], message: "MESSAGING_GUEST_SECRET needs MESSAGING_DEMO_ORG_ID and MESSAGING_DEMO_ASSISTANT_ID" });
    }
  });

/** Messaging's whole configuration. */
export type MessagingConfig = BaseConfig &
  z.infer<typeof MessagingConfigSchema> & {
    /** TELEMETRY_*, LOGGING_SERVICE_URL: request and relay-hop spans and warn+ log lines shipped to logging. */
    telemetry: TelemetryConfig;
  };

/**
 * Reads messaging's configuration from the environment: the only place messaging reads
 * `process.env`.
 *
 * @throws z.ZodError naming each invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): MessagingConfig {
  const base = loadBaseConfig("messaging", env);
  const own = MessagingConfigSchema.parse({
    serviceSecret: env.MESSAGING_SERVICE_SECRET || undefined,
    identityIssuer: env.IDENTITY_ISSUER || base.serviceUrls.identity,
    relayEnabled: env.MESSAGING_RELAY || undefined,
    relayAckTimeoutMs: env.MESSAGING_RELAY_ACK_TIMEOUT_MS || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisKeyPrefix: env.MESSAGING_REDIS_PREFIX || undefined,
    assistantWebhookUrl: env.MESSAGING_ASSISTANT_WEBHOOK_URL || `${base.serviceUrls.assistants}/api/webhooks/messaging`,
    webhookSecret: env.MESSAGING_WEBHOOK_SECRET || undefined,
    webhookTimeoutMs: env.MESSAGING_WEBHOOK_TIMEOUT_MS || undefined,
    webhookRetries: env.MESSAGING_WEBHOOK_RETRIES || undefined,
    typingTtlMs: env.MESSAGING_TYPING_TTL_MS || undefined,
    streamIdleMs: env.MESSAGING_STREAM_IDLE_MS || undefined,
    pauseMaxMs: env.MESSAGING_PAUSE_MAX_MS || undefined,
    maxHeldChunks: env.MESSAGING_MAX_HELD_CHUNKS || undefined,
    website: {
      guestSecret: env.MESSAGING_GUEST_SECRET || undefined,
      demoOrgId: env.MESSAGING_DEMO_ORG_ID || undefined,
      demoAssistantId: env.MESSAGING_DEMO_ASSISTANT_ID || undefined,
      guestSessionTtlSeconds: env.MESSAGING_GUEST_SESSION_TTL_SECONDS || undefined,
      guestSessionsPerIp: env.MESSAGING_GUEST_SESSIONS_PER_IP || undefined,
      guestSendsPerMinute: env.MESSAGING_GUEST_SENDS_PER_MINUTE || undefined,
      sendsPerIp: env.MESSAGING_WEBSITE_SENDS_PER_IP || undefined,
      replyTimeoutMs: env.MESSAGING_WEBSITE_REPLY_TIMEOUT_MS || undefined,
    },
  });
  return { ...base, ...own, telemetry: telemetryConfigFromEnv(env) };
}
