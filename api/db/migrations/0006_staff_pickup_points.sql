CREATE TABLE "staff_pickup_points" (
	"user_id" uuid NOT NULL,
	"pickup_point_id" uuid NOT NULL,
	"assigned_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_pickup_points_user_id_pickup_point_id_pk" PRIMARY KEY("user_id","pickup_point_id")
);
--> statement-breakpoint
ALTER TABLE "staff_pickup_points" ADD CONSTRAINT "staff_pickup_points_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_pickup_points" ADD CONSTRAINT "staff_pickup_points_pickup_point_id_pickup_points_id_fk" FOREIGN KEY ("pickup_point_id") REFERENCES "public"."pickup_points"("id") ON DELETE no action ON UPDATE no action;