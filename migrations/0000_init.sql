CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"policy_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"receipt_id" text,
	"member_id" text,
	"key_id" text,
	"input" jsonb NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"member_id" text NOT NULL,
	"kind" text NOT NULL,
	"points" bigint DEFAULT 0 NOT NULL,
	"debt" bigint DEFAULT 0 NOT NULL,
	"spend" bigint DEFAULT 0 NOT NULL,
	"parking_hours" integer DEFAULT 0 NOT NULL,
	"cycle_start" text,
	"lot_id" bigint,
	"decision_id" text,
	"receipt_id" text,
	"policy_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"rule" text,
	"at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lifecycle_runs" (
	"as_of" timestamp with time zone PRIMARY KEY NOT NULL,
	"result" jsonb NOT NULL,
	"key_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "members" (
	"id" text PRIMARY KEY NOT NULL,
	"program_id" text NOT NULL,
	"tier" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"supreme" boolean DEFAULT false NOT NULL,
	"issued_on" text NOT NULL,
	"cycle_start" text NOT NULL,
	"cycle_spend" bigint DEFAULT 0 NOT NULL,
	"points_balance" bigint DEFAULT 0 NOT NULL,
	"points_debt" bigint DEFAULT 0 NOT NULL,
	"parking_hours" integer DEFAULT 0 NOT NULL,
	"profile" jsonb NOT NULL,
	"store_id" text NOT NULL,
	"enrolled_at" timestamp with time zone NOT NULL,
	"last_qualifying_on" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "point_lots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"member_id" text NOT NULL,
	"earned_on" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"points" bigint NOT NULL,
	"remaining" bigint NOT NULL,
	"receipt_id" text,
	"decision_id" text
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"program_id" text NOT NULL,
	"version" integer NOT NULL,
	"status" text NOT NULL,
	"document" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"effective_from" timestamp with time zone,
	"effective_to" timestamp with time zone,
	"created_by" text NOT NULL,
	"approved_by" text,
	"published_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "receipts" (
	"receipt_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"original_receipt_id" text,
	"member_id" text,
	"store_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"local_date" text NOT NULL,
	"body" jsonb NOT NULL,
	"body_hash" text NOT NULL,
	"decision_id" text NOT NULL,
	"policy_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"payable" bigint NOT NULL,
	"qualifying_spend" bigint NOT NULL,
	"points_earned" bigint NOT NULL,
	"cycle_start" text,
	"claimed_by" text,
	"claim_decision_id" text,
	"evidence_for" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "decisions_receipt" ON "decisions" USING btree ("receipt_id");--> statement-breakpoint
CREATE INDEX "decisions_member" ON "decisions" USING btree ("member_id");--> statement-breakpoint
CREATE INDEX "ledger_member" ON "ledger_entries" USING btree ("member_id","id");--> statement-breakpoint
CREATE INDEX "point_lots_member" ON "point_lots" USING btree ("member_id","expires_at");--> statement-breakpoint
CREATE INDEX "point_lots_expiry" ON "point_lots" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_versions_program_version" ON "policy_versions" USING btree ("program_id","version");--> statement-breakpoint
CREATE INDEX "receipts_member_day" ON "receipts" USING btree ("member_id","store_id","local_date");--> statement-breakpoint
CREATE INDEX "receipts_original" ON "receipts" USING btree ("original_receipt_id");