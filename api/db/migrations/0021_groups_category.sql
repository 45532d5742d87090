ALTER TABLE "groups" ADD COLUMN "category" text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE "groups" g SET "category" = p."category" FROM "products" p WHERE p."id" = g."product_id";--> statement-breakpoint
-- The group's copy of its product's category is the database's to keep: every insert (the API,
-- seeds, restores) and every change of a product's category goes through these, whoever writes.
CREATE FUNCTION "groups_take_product_category"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."category" := (SELECT "category" FROM "products" WHERE "id" = NEW."product_id");
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "groups_category_from_product" BEFORE INSERT OR UPDATE OF "product_id", "category" ON "groups"
  FOR EACH ROW EXECUTE FUNCTION "groups_take_product_category"();--> statement-breakpoint
CREATE FUNCTION "products_pass_category_to_groups"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "groups" SET "category" = NEW."category" WHERE "product_id" = NEW."id";
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "products_category_to_groups" AFTER UPDATE OF "category" ON "products"
  FOR EACH ROW WHEN (OLD."category" IS DISTINCT FROM NEW."category") EXECUTE FUNCTION "products_pass_category_to_groups"();--> statement-breakpoint
CREATE INDEX "groups_status_category_deadline_idx" ON "groups" USING btree ("status","category","deadline","id");
