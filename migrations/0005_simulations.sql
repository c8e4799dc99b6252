CREATE TABLE "simulations" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"program_id" text NOT NULL,
	"draft_version" integer NOT NULL,
	"baseline_version" integer,
	"source" text NOT NULL,
	"params" jsonb NOT NULL,
	"status" text NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb,
	"error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "simulations_created" ON "simulations" USING btree ("created_at");