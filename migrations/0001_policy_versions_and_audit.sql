CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_key_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"program_id" text,
	"version" integer,
	"before_hash" text,
	"after_hash" text,
	"detail" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "policy_versions" ADD COLUMN "source" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "policy_versions" ADD COLUMN "cases" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "policy_versions" ADD COLUMN "based_on" integer;--> statement-breakpoint
ALTER TABLE "policy_versions" ADD COLUMN "submitted_by" text;--> statement-breakpoint
CREATE INDEX "audit_events_program" ON "audit_events" USING btree ("program_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_actor" ON "audit_events" USING btree ("actor_name","id");