ALTER TABLE "suppliers" DROP CONSTRAINT "suppliers_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "suppliers" DROP COLUMN "user_id";