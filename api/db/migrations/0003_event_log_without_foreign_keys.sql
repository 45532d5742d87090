-- Foreign keys off the interaction log: see the comment on interaction_events in api/db/schema.ts.
ALTER TABLE "interaction_events" DROP CONSTRAINT "interaction_events_trader_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "interaction_events" DROP CONSTRAINT "interaction_events_group_id_groups_id_fk";
--> statement-breakpoint
ALTER TABLE "interaction_events" DROP CONSTRAINT "interaction_events_product_id_products_id_fk";
