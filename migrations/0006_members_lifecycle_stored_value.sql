CREATE TABLE "lifecycle_steps" (
	"member_id" text NOT NULL,
	"step" text NOT NULL,
	"period" text NOT NULL,
	"decision_id" text NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lifecycle_steps_member_id_step_period_pk" PRIMARY KEY("member_id","step","period")
);
--> statement-breakpoint
CREATE TABLE "member_operations" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"member_id" text NOT NULL,
	"body_hash" text NOT NULL,
	"decision_id" text NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "stored_value" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "detail" jsonb;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "plan" text;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "referred_by" text;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "stored_value" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "member_operations_member" ON "member_operations" USING btree ("member_id");