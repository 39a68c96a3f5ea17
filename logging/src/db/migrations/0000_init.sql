CREATE TABLE "logs" (
	"org_id" text NOT NULL,
	"service" text NOT NULL,
	"env" text NOT NULL,
	"data_class" text NOT NULL,
	"id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"level" text NOT NULL,
	"level_num" integer NOT NULL,
	"message" text NOT NULL,
	"fields" jsonb NOT NULL,
	"trace_id" text,
	"span_id" text,
	"run_id" text,
	"ingested_by" text NOT NULL,
	CONSTRAINT "logs_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"org_id" text NOT NULL,
	"service" text NOT NULL,
	"env" text NOT NULL,
	"data_class" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"value" double precision NOT NULL,
	"unit" text,
	"labels" jsonb NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"ts_ms" bigint NOT NULL,
	"trace_id" text,
	"ingested_by" text NOT NULL,
	CONSTRAINT "metrics_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "objects" (
	"org_id" text NOT NULL,
	"service" text NOT NULL,
	"env" text NOT NULL,
	"data_class" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"digest" text NOT NULL,
	"location" text NOT NULL,
	"owner" text NOT NULL,
	"content_type" text,
	"metadata" jsonb NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"trace_id" text,
	"ingested_by" text NOT NULL,
	CONSTRAINT "objects_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "retention_policies" (
	"org_id" text NOT NULL,
	"data_type" text NOT NULL,
	"days" integer NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "retention_policies_pk" PRIMARY KEY("org_id","data_type")
);
--> statement-breakpoint
CREATE TABLE "spans" (
	"org_id" text NOT NULL,
	"service" text NOT NULL,
	"env" text NOT NULL,
	"data_class" text NOT NULL,
	"id" text NOT NULL,
	"trace_id" text NOT NULL,
	"span_id" text NOT NULL,
	"parent_span_id" text,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"end_time" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL,
	"status" text NOT NULL,
	"status_message" text,
	"attributes" jsonb NOT NULL,
	"events" jsonb NOT NULL,
	"run_id" text,
	"ingested_by" text NOT NULL,
	CONSTRAINT "spans_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE INDEX "logs_org_ts_idx" ON "logs" USING btree ("org_id","ts","id");--> statement-breakpoint
CREATE INDEX "logs_org_trace_idx" ON "logs" USING btree ("org_id","trace_id");--> statement-breakpoint
CREATE INDEX "logs_org_run_idx" ON "logs" USING btree ("org_id","run_id");--> statement-breakpoint
CREATE INDEX "metrics_org_name_ts_idx" ON "metrics" USING btree ("org_id","name","ts_ms");--> statement-breakpoint
CREATE INDEX "objects_org_owner_idx" ON "objects" USING btree ("org_id","owner");--> statement-breakpoint
CREATE INDEX "objects_org_digest_idx" ON "objects" USING btree ("org_id","digest");--> statement-breakpoint
CREATE INDEX "objects_org_ts_idx" ON "objects" USING btree ("org_id","ts","id");--> statement-breakpoint
CREATE INDEX "spans_org_trace_idx" ON "spans" USING btree ("org_id","trace_id");--> statement-breakpoint
CREATE INDEX "spans_org_start_idx" ON "spans" USING btree ("org_id","start_time","id");--> statement-breakpoint
CREATE INDEX "spans_org_run_idx" ON "spans" USING btree ("org_id","run_id");