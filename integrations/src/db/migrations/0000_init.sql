CREATE TABLE "budgets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"principal_id" text NOT NULL,
	"daily_tokens" bigint,
	"daily_requests" bigint,
	"updated_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"principal_id" text NOT NULL,
	"caller_id" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"operation" text NOT NULL,
	"status" text NOT NULL,
	"error_category" text,
	"prompt_tokens" integer NOT NULL,
	"completion_tokens" integer NOT NULL,
	"total_tokens" integer NOT NULL,
	"usage_estimated" boolean NOT NULL,
	"cost_usd" double precision,
	"latency_ms" integer NOT NULL,
	"stream" boolean NOT NULL,
	"trace_id" text NOT NULL,
	"run_id" text,
	"request_id" text NOT NULL,
	"day" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "budgets_org_principal_idx" ON "budgets" USING btree ("org_id","principal_id");--> statement-breakpoint
CREATE INDEX "usage_records_org_principal_started_idx" ON "usage_records" USING btree ("org_id","principal_id","started_at");--> statement-breakpoint
CREATE INDEX "usage_records_org_day_idx" ON "usage_records" USING btree ("org_id","day");--> statement-breakpoint
CREATE INDEX "usage_records_org_run_idx" ON "usage_records" USING btree ("org_id","run_id");