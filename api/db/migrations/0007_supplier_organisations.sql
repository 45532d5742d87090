CREATE TYPE "public"."order_status" AS ENUM('pending', 'accepted', 'rejected', 'preparing', 'shipped', 'delivered', 'checked', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."supplier_status" AS ENUM('pending', 'verified', 'rejected');--> statement-breakpoint
CREATE TABLE "domain_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "domain_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"supplier_id" uuid,
	"group_id" uuid,
	"user_id" uuid,
	"data" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supplier_invites" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"supplier_id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supplier_members" (
	"supplier_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supplier_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint GENERATED ALWAYS AS IDENTITY (sequence name "supplier_orders_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1001 CACHE 1),
	"group_id" uuid NOT NULL,
	"supplier_id" uuid NOT NULL,
	"quote_id" uuid,
	"status" "order_status" DEFAULT 'pending' NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" integer NOT NULL,
	"currency" text NOT NULL,
	"subtotal" bigint NOT NULL,
	"lead_time_days" integer,
	"pickup_point_id" uuid,
	"rejection_reason" text,
	"carrier" text,
	"tracking_number" text,
	"eta" timestamp with time zone,
	"quality_note" text,
	"accepted_at" timestamp with time zone,
	"shipped_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"checked_at" timestamp with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "registration_number" text;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "tax_number" text;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "contact_name" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "address" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "categories" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "payout_account" jsonb;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "status" "supplier_status" DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "rejection_reason" text;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "verified_by" uuid;--> statement-breakpoint
ALTER TABLE "suppliers" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "supplier_invites" ADD CONSTRAINT "supplier_invites_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_invites" ADD CONSTRAINT "supplier_invites_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_members" ADD CONSTRAINT "supplier_members_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_members" ADD CONSTRAINT "supplier_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_orders" ADD CONSTRAINT "supplier_orders_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_orders" ADD CONSTRAINT "supplier_orders_supplier_id_suppliers_id_fk" FOREIGN KEY ("supplier_id") REFERENCES "public"."suppliers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supplier_orders" ADD CONSTRAINT "supplier_orders_pickup_point_id_pickup_points_id_fk" FOREIGN KEY ("pickup_point_id") REFERENCES "public"."pickup_points"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "domain_events_supplier_idx" ON "domain_events" USING btree ("supplier_id","id");--> statement-breakpoint
CREATE INDEX "domain_events_group_idx" ON "domain_events" USING btree ("group_id","id");--> statement-breakpoint
CREATE INDEX "domain_events_created_idx" ON "domain_events" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "supplier_invites_token_key" ON "supplier_invites" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "supplier_invites_supplier_idx" ON "supplier_invites" USING btree ("supplier_id");--> statement-breakpoint
CREATE UNIQUE INDEX "supplier_members_user_key" ON "supplier_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "supplier_members_supplier_idx" ON "supplier_members" USING btree ("supplier_id");--> statement-breakpoint
CREATE UNIQUE INDEX "supplier_orders_number_key" ON "supplier_orders" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "supplier_orders_live_group_key" ON "supplier_orders" USING btree ("group_id") WHERE "supplier_orders"."status" not in ('rejected', 'cancelled');--> statement-breakpoint
CREATE INDEX "supplier_orders_supplier_idx" ON "supplier_orders" USING btree ("supplier_id","status","created_at");--> statement-breakpoint
ALTER TABLE "suppliers" ADD CONSTRAINT "suppliers_verified_by_users_id_fk" FOREIGN KEY ("verified_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "suppliers_status_idx" ON "suppliers" USING btree ("status","created_at");--> statement-breakpoint
-- Organisations that existed before verification was introduced were already selling: keep them verified.
UPDATE "suppliers" SET "status" = 'verified', "verified_at" = now();--> statement-breakpoint
-- The one user each organisation had becomes its owner.
INSERT INTO "supplier_members" ("supplier_id", "user_id", "role") SELECT "id", "user_id", 'owner' FROM "suppliers" WHERE "user_id" IS NOT NULL ON CONFLICT DO NOTHING;
