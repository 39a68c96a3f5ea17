CREATE TABLE "assistants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"key" text NOT NULL,
	"resource_id" text NOT NULL,
	"version" integer NOT NULL,
	"digest" text NOT NULL,
	"agent_id" text NOT NULL,
	"agent_entity_id" text,
	"alias" text,
	"name" text NOT NULL,
	"body" jsonb NOT NULL,
	"status" text NOT NULL,
	"issues" jsonb,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "code_tool_audit" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"workspace_id" text NOT NULL,
	"tool" text NOT NULL,
	"outcome" text NOT NULL,
	"args" jsonb NOT NULL,
	"actor" jsonb,
	"limit_hit" text,
	"exit_code" integer,
	"output_bytes" integer,
	"error" jsonb,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversation_states" (
	"org_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"state" text NOT NULL,
	"context" jsonb NOT NULL,
	"handoff" jsonb,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_states_org_id_conversation_id_pk" PRIMARY KEY("org_id","conversation_id")
);
--> statement-breakpoint
CREATE TABLE "run_steps" (
	"id" uuid PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"org_id" text NOT NULL,
	"seq" integer NOT NULL,
	"path" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" jsonb,
	"attempts" integer DEFAULT 1 NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"assistant_key" text NOT NULL,
	"assistant_version" integer NOT NULL,
	"agent_id" text NOT NULL,
	"kind" text NOT NULL,
	"trigger" text NOT NULL,
	"conversation_id" text,
	"message_id" text,
	"event_id" text,
	"trace_id" text NOT NULL,
	"status" text NOT NULL,
	"error" jsonb,
	"checkpoint" jsonb NOT NULL,
	"owner" text NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"resumed_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "turn_bids" (
	"org_id" text NOT NULL,
	"message_id" text NOT NULL,
	"assistant_key" text NOT NULL,
	"priority" integer NOT NULL,
	"confidence" double precision NOT NULL,
	"rule_id" text,
	"instance_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "turn_bids_message_id_assistant_key_pk" PRIMARY KEY("message_id","assistant_key")
);
--> statement-breakpoint
CREATE TABLE "turn_claims" (
	"message_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"assistant_key" text NOT NULL,
	"instance_id" text NOT NULL,
	"run_id" text NOT NULL,
	"justification" jsonb NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"label" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "assistants_org_key" ON "assistants" USING btree ("org_id","key");--> statement-breakpoint
CREATE INDEX "assistants_agent" ON "assistants" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "code_tool_audit_ws" ON "code_tool_audit" USING btree ("workspace_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "run_steps_run_seq" ON "run_steps" USING btree ("run_id","seq");--> statement-breakpoint
CREATE INDEX "runs_org_created" ON "runs" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "runs_status_lease" ON "runs" USING btree ("status","lease_until");--> statement-breakpoint
CREATE INDEX "runs_conversation" ON "runs" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "workspaces_org" ON "workspaces" USING btree ("org_id");