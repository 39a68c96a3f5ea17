CREATE TABLE "artifacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"org_id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint NOT NULL,
	"digest" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "resource_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"org_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"version" integer,
	"principal_id" text NOT NULL,
	"data" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "resource_grants" (
	"resource_id" uuid NOT NULL,
	"principal_id" text NOT NULL,
	"access" text NOT NULL,
	"granted_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_grants_resource_id_principal_id_pk" PRIMARY KEY("resource_id","principal_id")
);
--> statement-breakpoint
CREATE TABLE "resource_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"org_id" text NOT NULL,
	"version" integer NOT NULL,
	"digest" text NOT NULL,
	"content" text NOT NULL,
	"changelog" text,
	"status" text NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp with time zone,
	"published_by" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "resources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"key" text NOT NULL,
	"title" text,
	"description" text DEFAULT '' NOT NULL,
	"tags" text[] NOT NULL,
	"visibility" text NOT NULL,
	"status" text NOT NULL,
	"metadata" text NOT NULL,
	"draft_body" text NOT NULL,
	"owner_id" text NOT NULL,
	"latest_version" integer,
	"latest_digest" text,
	"version_count" integer DEFAULT 0 NOT NULL,
	"search_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signatures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource_id" uuid NOT NULL,
	"org_id" text NOT NULL,
	"version" integer NOT NULL,
	"digest" text NOT NULL,
	"key_id" uuid NOT NULL,
	"principal_id" text NOT NULL,
	"signature" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"principal_id" text NOT NULL,
	"name" text NOT NULL,
	"public_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_events" ADD CONSTRAINT "resource_events_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_grants" ADD CONSTRAINT "resource_grants_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_versions" ADD CONSTRAINT "resource_versions_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signatures" ADD CONSTRAINT "signatures_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signatures" ADD CONSTRAINT "signatures_key_id_signing_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."signing_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_uq" ON "artifacts" USING btree ("resource_id","version","name");--> statement-breakpoint
CREATE INDEX "artifacts_digest_idx" ON "artifacts" USING btree ("digest");--> statement-breakpoint
CREATE UNIQUE INDEX "resource_events_seq_uq" ON "resource_events" USING btree ("resource_id","seq");--> statement-breakpoint
CREATE INDEX "resource_grants_principal_idx" ON "resource_grants" USING btree ("principal_id");--> statement-breakpoint
CREATE UNIQUE INDEX "resource_versions_uq" ON "resource_versions" USING btree ("resource_id","version");--> statement-breakpoint
CREATE INDEX "resource_versions_digest_idx" ON "resource_versions" USING btree ("digest");--> statement-breakpoint
CREATE UNIQUE INDEX "resources_org_key_uq" ON "resources" USING btree ("org_id","key");--> statement-breakpoint
CREATE INDEX "resources_type_idx" ON "resources" USING btree ("type");--> statement-breakpoint
CREATE INDEX "resources_visibility_idx" ON "resources" USING btree ("visibility");--> statement-breakpoint
CREATE UNIQUE INDEX "signatures_uq" ON "signatures" USING btree ("resource_id","version","key_id");--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_fingerprint_uq" ON "signing_keys" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "signing_keys_principal_idx" ON "signing_keys" USING btree ("principal_id");