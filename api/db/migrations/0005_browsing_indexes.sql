DROP INDEX "groups_status_deadline_idx";--> statement-breakpoint
CREATE INDEX "groups_status_created_idx" ON "groups" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "groups_status_price_idx" ON "groups" USING btree ("status","unit_price","id");--> statement-breakpoint
CREATE INDEX "groups_status_progress_idx" ON "groups" USING btree ("status",("paid_quantity"::float8 / "moq"),"id");--> statement-breakpoint
CREATE INDEX "groups_status_deadline_idx" ON "groups" USING btree ("status","deadline","id");