ALTER TABLE "decisions" ADD COLUMN "context" jsonb;--> statement-breakpoint
CREATE INDEX "receipts_claimed_day" ON "receipts" USING btree ("claimed_by","store_id","local_date");