-- The recommender's log (interaction_events) becomes events of the analytics store: impressions are
-- recommendation_shown (their event_id is the recommendationId), clicks recommendation_clicked, group
-- pages group_view, all from the server; an attributed join is the server's own join event, which
-- now carries the recommendation_id. The old rows move over, then the table goes.
ALTER TABLE "analytics_events" ADD COLUMN "recommendation_id" uuid;--> statement-breakpoint
INSERT INTO "analytics_events" ("event_id", "source", "type", "user_id", "group_id", "product_id", "recommendation_id", "properties", "occurred_at", "received_at")
SELECT CASE WHEN kind = 'shown' THEN recommendation_id ELSE id END, 'server',
  CASE kind WHEN 'shown' THEN 'recommendation_shown' WHEN 'click' THEN 'recommendation_clicked' WHEN 'view' THEN 'group_view' ELSE 'join' END,
  trader_id, group_id, product_id, recommendation_id,
  jsonb_strip_nulls(jsonb_build_object('modelVersion', model_version, 'variant', variant, 'score', score, 'rank', rank)),
  created_at, created_at
FROM "interaction_events"
-- attributed joins are already the server's join events (below)
WHERE NOT (kind = 'join' AND recommendation_id IS NOT NULL)
ON CONFLICT ("event_id") DO NOTHING;--> statement-breakpoint
UPDATE "analytics_events" SET "recommendation_id" = ("properties"->>'recommendationId')::uuid
WHERE "recommendation_id" IS NULL AND "type" IN ('join', 'recommendation_shown', 'recommendation_clicked')
  AND "properties"->>'recommendationId' ~ '^[0-9a-fA-F-]{36}$';--> statement-breakpoint
UPDATE "analytics_events" e SET "product_id" = g."product_id" FROM "groups" g
WHERE e."product_id" IS NULL AND e."group_id" = g."id";--> statement-breakpoint
DROP TABLE "interaction_events" CASCADE;--> statement-breakpoint
DROP TYPE "public"."interaction_kind";--> statement-breakpoint
CREATE INDEX "analytics_events_signal_idx" ON "analytics_events" USING btree ("id") WHERE (source = 'server' and type in ('group_view', 'recommendation_clicked') and user_id is not null and product_id is not null);--> statement-breakpoint
CREATE INDEX "analytics_events_trader_signal_idx" ON "analytics_events" USING btree ("user_id","occurred_at") WHERE (source = 'server' and type in ('group_view', 'recommendation_clicked') and user_id is not null and product_id is not null);--> statement-breakpoint
CREATE INDEX "analytics_events_signal_occurred_idx" ON "analytics_events" USING btree ("occurred_at") WHERE (source = 'server' and type in ('group_view', 'recommendation_clicked') and user_id is not null and product_id is not null);--> statement-breakpoint
CREATE INDEX "analytics_events_recommendation_idx" ON "analytics_events" USING btree ("recommendation_id") WHERE recommendation_id is not null;
