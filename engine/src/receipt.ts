import { z } from "zod";
import { memberStatusSchema, slugSchema, tenderTypeSchema } from "./policy/schema";

/** Departments of a store; rules and qualifying spend are defined on them. */
export const departmentSchema = z.enum(["department_store", "supermarket", "appliances", "dining", "other"]);
export type Department = z.infer<typeof departmentSchema>;

/** An ISO-8601 timestamp that carries its offset, as the POS contract requires. */
export const instantSchema = z.iso.datetime({ offset: true, local: false });

/** One line of a receipt; a return lists returned quantities as positive numbers. */
export const receiptLineSchema = z
  .object({
    lineId: z.string().min(1).max(64),
    sku: z.string().min(1).max(128),
    styleId: z.string().min(1).max(128),
    department: departmentSchema,
    zone: z.string().max(64).nullish(),
    brand: z.string().max(128).nullish(),
    quantity: z.number().int().min(1).max(100_000),
    unitPrice: z.number().int().min(0).max(1_000_000_000),
    fullPrice: z.boolean().default(true),
    /** Optional: the item's gross margin in percent, for programs whose points rates depend on it. */
    marginPercent: z.number().min(-100).max(100).nullish(),
  })
  .strict()
  .refine((line) => line.quantity * line.unitPrice <= 1_000_000_000, { message: "a line may not exceed 10,000,000 yuan", path: ["unitPrice"] });
export type ReceiptLine = z.output<typeof receiptLineSchema>;

/** A tender: how part of the receipt was paid. */
export const tenderSchema = z.object({ type: tenderTypeSchema, amount: z.number().int().min(0).max(100_000_000_000) }).strict();
export type Tender = z.infer<typeof tenderSchema>;

/** The receipt of the POS contract: the body of quotes and commits. */
export const receiptSchema = z
  .object({
    receiptId: z.string().min(1).max(128).optional(),
    type: z.enum(["sale", "return"]).default("sale"),
    originalReceiptId: z.string().min(1).max(128).nullish(),
    memberId: z.string().min(1).max(128).nullish(),
    storeId: z.string().min(1).max(128),
    at: instantSchema,
    lines: z.array(receiptLineSchema).min(1).max(500),
    tenders: z.array(tenderSchema).max(50).optional(),
  })
  .strict()
  .superRefine((receipt, ctx) => {
    if (receipt.type === "return" && !receipt.originalReceiptId) {
      ctx.addIssue({ code: "custom", path: ["originalReceiptId"], message: "required when type is \"return\"" });
    }
    const seen = new Set<string>();
    receipt.lines.forEach((line, index) => {
      if (seen.has(line.lineId)) ctx.addIssue({ code: "custom", path: ["lines", index, "lineId"], message: `duplicate lineId "${line.lineId}"` });
      seen.add(line.lineId);
    });
  });
export type Receipt = z.output<typeof receiptSchema>;
export type ReceiptInput = z.input<typeof receiptSchema>;

/** What the engine knows of a member when it decides a receipt: a snapshot taken from the ledger. */
export const memberSnapshotSchema = z
  .object({
    id: z.string().min(1),
    tier: z.string().min(1),
    status: memberStatusSchema.default("active"),
    supreme: z.boolean().default(false),
    /** The card's issue date, store-local (YYYY-MM-DD). */
    issuedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Qualifying spend already counted in the cycle that starts on `cycleStart`. */
    cycleStart: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    cycleSpend: z.number().int().min(0),
    profile: z.object({ student: z.boolean().default(false), studentOfficer: z.boolean().default(false) }).strict().default({ student: false, studentOfficer: false }),
    /** The stored-value plan the member's last plan-setting recharge put it on, if any. */
    plan: slugSchema.nullable().default(null),
    /** Whether another member referred this one (referral-share rules pay that member). */
    referred: z.boolean().default(false),
  })
  .strict();
export type MemberSnapshot = z.output<typeof memberSnapshotSchema>;
