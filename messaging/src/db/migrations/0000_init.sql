CREATE TABLE "conversations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	"name" text,
	"description" text,
	"metadata" jsonb NOT NULL,
	"join_policy" text NOT NULL,
	"created_by" text NOT NULL,
	"active_responder_id" text,
	"active_responder_type" text,
	"routed_to" text,
	"last_sequence" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "handoffs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"conversation_id" uuid NOT NULL,
	"from_id" text,
	"from_type" text,
	"to_id" text NOT NULL,
	"to_type" text NOT NULL,
	"by_id" text NOT NULL,
	"reason" text,
	"event_message_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"conversation_id" uuid NOT NULL,
	"sequence" integer NOT NULL,
	"sender_id" text NOT NULL,
	"sender_type" text NOT NULL,
	"sender_entity_id" text NOT NULL,
	"client_id" text,
	"content" text,
	"content_type" text NOT NULL,
	"reply_to" uuid,
	"metadata" jsonb NOT NULL,
	"priority" text NOT NULL,
	"status" text NOT NULL,
	"edited_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"deleted_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"conversation_id" uuid NOT NULL,
	"org_id" text NOT NULL,
	"principal_id" text NOT NULL,
	"principal_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"role" text NOT NULL,
	"display_name" text,
	"last_read_sequence" integer DEFAULT 0 NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participants_conversation_id_principal_id_pk" PRIMARY KEY("conversation_id","principal_id")
);
--> statement-breakpoint
ALTER TABLE "handoffs" ADD CONSTRAINT "handoffs_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_org_idx" ON "conversations" USING btree ("org_id","updated_at");--> statement-breakpoint
CREATE INDEX "handoffs_conversation_idx" ON "handoffs" USING btree ("conversation_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_sequence_idx" ON "messages" USING btree ("conversation_id","sequence");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_client_id_idx" ON "messages" USING btree ("org_id","sender_id","client_id");--> statement-breakpoint
CREATE INDEX "messages_reply_to_idx" ON "messages" USING btree ("conversation_id","reply_to");--> statement-breakpoint
CREATE INDEX "participants_principal_idx" ON "participants" USING btree ("org_id","principal_id");