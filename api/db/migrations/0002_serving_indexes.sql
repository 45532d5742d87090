DROP INDEX "interaction_events_trader_idx";--> statement-breakpoint
DROP INDEX "interaction_events_created_idx";--> statement-breakpoint
CREATE INDEX "contributions_group_idx" ON "contributions" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "interaction_events_trader_signal_idx" ON "interaction_events" USING btree ("trader_id","created_at") WHERE (kind in ('view', 'click') or (kind = 'join' and recommendation_id is null));--> statement-breakpoint
CREATE INDEX "interaction_events_signal_created_idx" ON "interaction_events" USING btree ("created_at") WHERE (kind in ('view', 'click') or (kind = 'join' and recommendation_id is null));