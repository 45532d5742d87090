ALTER TABLE "groups" ADD COLUMN "pickup_points" json DEFAULT '[]'::json NOT NULL;--> statement-breakpoint
-- The group's copy of its pickup points is the database's to keep, like its category (0021): every
-- link or unlink of a point and every change of a point's details rewrites the copies it touches,
-- in the writer's transaction, whoever writes. The groups are locked in id order first, the order
-- join batches lock them in, so a point's edit queues behind a batch instead of deadlocking with it.
CREATE FUNCTION "groups_refresh_pickup_points"(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "groups" WHERE "id" = ANY(ids) ORDER BY "id" FOR UPDATE;
  UPDATE "groups" g SET "pickup_points" = coalesce((
    SELECT json_agg(json_build_object('id', pp."id", 'name', pp."name", 'market', pp."market", 'address', pp."address",
      'openingHours', pp."opening_hours", 'lat', pp."lat", 'lng', pp."lng") ORDER BY pp."name", pp."id")
    FROM "group_pickup_points" gpp JOIN "pickup_points" pp ON pp."id" = gpp."pickup_point_id"
    WHERE gpp."group_id" = g."id"), '[]'::json)
  WHERE g."id" = ANY(ids);
END $$;--> statement-breakpoint
CREATE FUNCTION "group_pickup_points_added"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "groups_refresh_pickup_points"(ARRAY(SELECT DISTINCT "group_id" FROM added));
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "group_pickup_points_removed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "groups_refresh_pickup_points"(ARRAY(SELECT DISTINCT "group_id" FROM removed));
  RETURN NULL;
END $$;--> statement-breakpoint
-- Statement triggers: a seed or a group's creation links many points in one INSERT, and each group is rewritten once.
CREATE TRIGGER "group_pickup_points_insert" AFTER INSERT ON "group_pickup_points"
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION "group_pickup_points_added"();--> statement-breakpoint
CREATE TRIGGER "group_pickup_points_delete" AFTER DELETE ON "group_pickup_points"
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION "group_pickup_points_removed"();--> statement-breakpoint
-- A link moved to another group or point (stock changes, the common update, leave the copy alone).
CREATE FUNCTION "group_pickup_points_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "groups_refresh_pickup_points"(ARRAY[OLD."group_id", NEW."group_id"]);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "group_pickup_points_update" AFTER UPDATE OF "group_id", "pickup_point_id" ON "group_pickup_points"
  FOR EACH ROW WHEN (OLD."group_id" IS DISTINCT FROM NEW."group_id" OR OLD."pickup_point_id" IS DISTINCT FROM NEW."pickup_point_id")
  EXECUTE FUNCTION "group_pickup_points_moved"();--> statement-breakpoint
CREATE FUNCTION "pickup_points_pass_to_groups"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "groups_refresh_pickup_points"(ARRAY(SELECT "group_id" FROM "group_pickup_points" WHERE "pickup_point_id" = NEW."id"));
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "pickup_points_to_groups" AFTER UPDATE ON "pickup_points"
  FOR EACH ROW WHEN ((OLD."name", OLD."market", OLD."address", OLD."opening_hours", OLD."lat", OLD."lng")
    IS DISTINCT FROM (NEW."name", NEW."market", NEW."address", NEW."opening_hours", NEW."lat", NEW."lng"))
  EXECUTE FUNCTION "pickup_points_pass_to_groups"();--> statement-breakpoint
SELECT "groups_refresh_pickup_points"(ARRAY(SELECT "id" FROM "groups"));
