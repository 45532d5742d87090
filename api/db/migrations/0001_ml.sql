CREATE TYPE "public"."interaction_kind" AS ENUM('shown', 'click', 'join', 'view');--> statement-breakpoint
CREATE TYPE "public"."ml_run_status" AS ENUM('queued', 'running', 'succeeded', 'failed');--> statement-breakpoint
CREATE TYPE "public"."ml_run_trigger" AS ENUM('manual', 'schedule', 'startup');--> statement-breakpoint
CREATE TABLE "interaction_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trader_id" uuid NOT NULL,
	"group_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"kind" "interaction_kind" NOT NULL,
	"recommendation_id" uuid,
	"model_version" text,
	"variant" text,
	"score" double precision,
	"rank" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ml_models" (
	"version" text PRIMARY KEY NOT NULL,
	"trained_at" timestamp (3) with time zone NOT NULL,
	"data_from" timestamp (3) with time zone,
	"data_to" timestamp (3) with time zone NOT NULL,
	"interaction_count" integer NOT NULL,
	"trader_count" integer NOT NULL,
	"product_count" integer NOT NULL,
	"params" jsonb NOT NULL,
	"metrics" jsonb NOT NULL,
	"file_path" text NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"activated_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ml_training_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" "ml_run_status" DEFAULT 'queued' NOT NULL,
	"trigger" "ml_run_trigger" NOT NULL,
	"activation" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"stage" text,
	"progress" real DEFAULT 0 NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"model_version" text,
	"activated" boolean DEFAULT false NOT NULL,
	"error" text,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "interaction_events" ADD CONSTRAINT "interaction_events_trader_id_users_id_fk" FOREIGN KEY ("trader_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_events" ADD CONSTRAINT "interaction_events_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_events" ADD CONSTRAINT "interaction_events_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ml_training_runs" ADD CONSTRAINT "ml_training_runs_model_version_ml_models_version_fk" FOREIGN KEY ("model_version") REFERENCES "public"."ml_models"("version") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "interaction_events_recommendation_idx" ON "interaction_events" USING btree ("recommendation_id","kind");--> statement-breakpoint
CREATE INDEX "interaction_events_trader_idx" ON "interaction_events" USING btree ("trader_id","created_at");--> statement-breakpoint
CREATE INDEX "interaction_events_created_idx" ON "interaction_events" USING btree ("created_at","kind");--> statement-breakpoint
CREATE INDEX "interaction_events_variant_idx" ON "interaction_events" USING btree ("variant","kind") WHERE variant is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "ml_models_one_active_key" ON "ml_models" USING btree ("active") WHERE active;--> statement-breakpoint
CREATE INDEX "ml_models_trained_idx" ON "ml_models" USING btree ("trained_at");--> statement-breakpoint
CREATE INDEX "ml_training_runs_started_idx" ON "ml_training_runs" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "ml_training_runs_status_idx" ON "ml_training_runs" USING btree ("status");