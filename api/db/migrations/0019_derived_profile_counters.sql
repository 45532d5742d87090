ALTER TABLE "analytics_profiles" DROP COLUMN "joins_count";--> statement-breakpoint
ALTER TABLE "analytics_profiles" DROP COLUMN "payments_count";--> statement-breakpoint
ALTER TABLE "analytics_profiles" DROP COLUMN "last_active_at";