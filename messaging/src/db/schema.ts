import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Conversations. `last_sequence` is the per-conversation counter: a send increments it in the
 * same transaction that inserts the message (the UPDATE takes the row lock on PostgreSQL), so
 * sequences have no gap or duplicate. `active_responder_*` is set by handoff; `routed_to` by
 * route, cleared by the turn that uses it.
 */
export const conversations = pgTable(
  "conversations",
  {
    id: uuid("id").primaryKey(),
    orgId: text("org_id").notNull(),
    type: text("type").$type<"private" | "group" | "website">().notNull(),
    name: text("name"),
    description: text("description"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull(),
    joinPolicy: text("join_policy").$type<"invite" | "open">().notNull(),
    createdBy: text("created_by").notNull(),
    activeResponderId: text("active_responder_id"),
    activeResponderType: text("active_responder_type"),
    routedTo: text("routed_to"),
    lastSequence: integer("last_sequence").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index("conversations_org_idx").on(t.orgId, t.updatedAt)],
);

/** Members of conversations, with their role and read marker. */
export const participants = pgTable(
  "participants",
  {
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    principalId: text("principal_id").notNull(),
    principalType: text("principal_type").$type<"user" | "agent" | "service" | "guest">().notNull(),
    entityId: text("entity_id").notNull(),
    role: text("role").$type<"owner" | "admin" | "member">().notNull(),
    displayName: text("display_name"),
    lastReadSequence: integer("last_read_sequence").notNull().default(0),
    joinedAt: timestamp("joined_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.principalId] }), index("participants_principal_idx").on(t.orgId, t.principalId)],
);

/**
 * Messages. `(conversation_id, sequence)` is unique; `(org_id, sender_id, client_id)` makes a
 * client id idempotent per sender (NULL client ids never collide). A soft delete empties
 * `content` and `metadata` and keeps the row.
 */
export const messages = pgTable(
  "messages",
  {
    id: uuid("id").primaryKey(),
    orgId: text("org_id").notNull(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    sequence: integer("sequence").notNull(),
    senderId: text("sender_id").notNull(),
    senderType: text("sender_type").$type<"user" | "agent" | "service" | "guest">().notNull(),
    senderEntityId: text("sender_entity_id").notNull(),
    clientId: text("client_id"),
    content: text("content"),
    contentType: text("content_type").$type<"text" | "markdown" | "json" | "event">().notNull(),
    replyTo: uuid("reply_to"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull(),
    priority: text("priority").$type<"low" | "normal" | "high" | "critical">().notNull(),
    status: text("status").$type<"complete" | "cancelled">().notNull(),
    editedAt: timestamp("edited_at", { withTimezone: true }),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    deletedBy: text("deleted_by"),
    /** W3C trace id of the request (or relay event) that created the message: one turn's trace. */
    traceId: text("trace_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    uniqueIndex("messages_sequence_idx").on(t.conversationId, t.sequence),
    uniqueIndex("messages_client_id_idx").on(t.orgId, t.senderId, t.clientId),
    index("messages_reply_to_idx").on(t.conversationId, t.replyTo),
  ],
);

/** Changes of a conversation's active responder (handoff), oldest first. */
export const handoffs = pgTable(
  "handoffs",
  {
    id: uuid("id").primaryKey(),
    orgId: text("org_id").notNull(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    fromId: text("from_id"),
    fromType: text("from_type"),
    toId: text("to_id").notNull(),
    toType: text("to_type").notNull(),
    byId: text("by_id").notNull(),
    reason: text("reason"),
    eventMessageId: uuid("event_message_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index("handoffs_conversation_idx").on(t.conversationId, t.createdAt)],
);
