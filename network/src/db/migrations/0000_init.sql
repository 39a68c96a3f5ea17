CREATE TABLE "contracts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"origin" text NOT NULL,
	"name" text,
	"from_endpoint" text NOT NULL,
	"to_endpoint" text NOT NULL,
	"allowed_event_types" text[] NOT NULL,
	"boundaries" text[] NOT NULL,
	"expires_at" timestamp with time zone,
	"description" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entity_bindings" (
	"entity_id" text PRIMARY KEY NOT NULL,
	"node_id" text NOT NULL,
	"org_id" text,
	"bound_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "network_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"org_id" text NOT NULL,
	"run_id" text NOT NULL,
	"trace_id" text NOT NULL,
	"type" text NOT NULL,
	"source" text NOT NULL,
	"target" text,
	"boundary" text NOT NULL,
	"data_class" text NOT NULL,
	"principal" jsonb,
	"caused_by" text,
	"timestamp" timestamp with time zone NOT NULL,
	"data" jsonb,
	"status" text NOT NULL,
	"reason_code" text,
	"reason" text,
	"delivered_to" text[] NOT NULL,
	"hops" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"name" text,
	"org_id" text,
	"principal" jsonb NOT NULL,
	"capabilities" text[] NOT NULL,
	"endpoint" text,
	"status" text DEFAULT 'online' NOT NULL,
	"metadata" jsonb NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"down_since" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"name" text NOT NULL,
	"description" text,
	"priority" integer DEFAULT 0 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"conditions" jsonb NOT NULL,
	"action" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "entity_bindings" ADD CONSTRAINT "entity_bindings_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contracts_org_idx" ON "contracts" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "entity_bindings_node_idx" ON "entity_bindings" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "network_events_org_run_idx" ON "network_events" USING btree ("org_id","run_id");--> statement-breakpoint
CREATE INDEX "network_events_org_seq_idx" ON "network_events" USING btree ("org_id","seq");--> statement-breakpoint
CREATE INDEX "network_events_event_idx" ON "network_events" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "nodes_status_idx" ON "nodes" USING btree ("status","last_heartbeat_at");--> statement-breakpoint
CREATE INDEX "policies_org_idx" ON "policies" USING btree ("org_id","created_at");