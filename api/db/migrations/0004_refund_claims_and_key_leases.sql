ALTER TYPE "public"."refund_status" ADD VALUE 'sending' BEFORE 'succeeded';--> statement-breakpoint
ALTER TYPE "public"."refund_status" ADD VALUE 'processing' BEFORE 'succeeded';--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "locked_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "refunds" ADD COLUMN "claimed_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "refunds_status_idx" ON "refunds" USING btree ("status","created_at");