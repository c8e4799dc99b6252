ALTER TABLE "decisions" ALTER COLUMN "input" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "decisions" ALTER COLUMN "result" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "decisions" ALTER COLUMN "context" SET DATA TYPE json;