CREATE TABLE "analytics_daily" (
	"day" date NOT NULL,
	"market" text NOT NULL,
	"category" text NOT NULL,
	"supplier_id" text NOT NULL,
	"currency" text NOT NULL,
	"views" bigint DEFAULT 0 NOT NULL,
	"joins" bigint DEFAULT 0 NOT NULL,
	"paid_joins" bigint DEFAULT 0 NOT NULL,
	"payments_succeeded" bigint DEFAULT 0 NOT NULL,
	"payments_failed" bigint DEFAULT 0 NOT NULL,
	"goods_amount" bigint DEFAULT 0 NOT NULL,
	"fee_amount" bigint DEFAULT 0 NOT NULL,
	"refund_amount" bigint DEFAULT 0 NOT NULL,
	"passes_issued" bigint DEFAULT 0 NOT NULL,
	"pickups" bigint DEFAULT 0 NOT NULL,
	"groups_closed" bigint DEFAULT 0 NOT NULL,
	"groups_succeeded" bigint DEFAULT 0 NOT NULL,
	"succeeded_participants" bigint DEFAULT 0 NOT NULL,
	"succeeded_goods" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_daily_recs" (
	"day" date NOT NULL,
	"variant" text NOT NULL,
	"shown" bigint DEFAULT 0 NOT NULL,
	"clicked" bigint DEFAULT 0 NOT NULL,
	"joined" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_devices" (
	"device_id" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"linked_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "analytics_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_id" uuid NOT NULL,
	"source" text NOT NULL,
	"type" text NOT NULL,
	"user_id" uuid,
	"device_id" text,
	"group_id" uuid,
	"product_id" uuid,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"tx" "xid8" DEFAULT pg_current_xact_id() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_quarantine" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid,
	"type" text,
	"reason" text NOT NULL,
	"event" jsonb NOT NULL,
	"occurred_at" timestamp (3) with time zone,
	"quarantined_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_traders" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"first_paid_at" timestamp (3) with time zone,
	"last_paid_at" timestamp (3) with time zone,
	"last_seen_at" timestamp (3) with time zone,
	"recency_days" double precision,
	"frequency" integer DEFAULT 0 NOT NULL,
	"monetary" bigint DEFAULT 0 NOT NULL,
	"engagement" double precision DEFAULT 0 NOT NULL,
	"churn_risk" double precision DEFAULT 0 NOT NULL,
	"loyalty_tier" text NOT NULL,
	"segment" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_watermarks" (
	"name" text PRIMARY KEY NOT NULL,
	"horizon" "xid8" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "analytics_devices" ADD CONSTRAINT "analytics_devices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_traders" ADD CONSTRAINT "analytics_traders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "analytics_daily_key" ON "analytics_daily" USING btree ("day","market","category","supplier_id","currency");--> statement-breakpoint
CREATE UNIQUE INDEX "analytics_daily_recs_key" ON "analytics_daily_recs" USING btree ("day","variant");--> statement-breakpoint
CREATE UNIQUE INDEX "analytics_events_event_id_key" ON "analytics_events" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "analytics_events_tx_idx" ON "analytics_events" USING btree ("tx");--> statement-breakpoint
CREATE INDEX "analytics_events_occurred_idx" ON "analytics_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "analytics_events_user_idx" ON "analytics_events" USING btree ("user_id","occurred_at");--> statement-breakpoint
CREATE INDEX "analytics_events_device_idx" ON "analytics_events" USING btree ("device_id") WHERE user_id is null and device_id is not null;--> statement-breakpoint
CREATE INDEX "analytics_quarantine_at_idx" ON "analytics_quarantine" USING btree ("quarantined_at");