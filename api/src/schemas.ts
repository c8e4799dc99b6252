import { z } from "zod";
import { instantSchema, receiptSchema } from "../../engine/src/index";

/** RFC 9457 problem details, as every error is answered. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: problemSchema } } });

/** The error responses every authenticated route may give. */
export const commonErrors = {
  400: problem("Malformed or invalid body: every bad field is named"),
  401: problem("Missing or unknown API key"),
  403: problem("The key's role may not call this"),
  503: problem("The database is out of reach; retry"),
};
export const notFound = { 404: problem("Not found") };
export const unprocessable = { 422: problem("Refused by the program's rules") };
export const conflict = { 409: problem("Conflicts with what is stored") };

/** One rule as evaluated, in a decision's trace. */
export const traceEntrySchema = z.object({ rule: z.string(), scope: z.string(), lineId: z.string().optional(), fired: z.boolean(), facts: z.record(z.string(), z.unknown()), failed: z.array(z.string()).optional(), note: z.string().optional() });

/** A decision of the POS contract. */
export const decisionSchema = z
  .object({
    decisionId: z.string(),
    policy: z.object({ id: z.string(), version: z.number().int() }),
    member: z.object({ id: z.string(), tier: z.string() }).nullable(),
    lines: z.array(z.object({ lineId: z.string(), gross: z.number().int(), discount: z.number().int(), payable: z.number().int(), qualifying: z.boolean(), rules: z.array(z.string()) })),
    totals: z.object({ gross: z.number().int(), discount: z.number().int(), payable: z.number().int(), qualifyingSpend: z.number().int() }),
    points: z.object({ earned: z.number().int(), rules: z.array(z.string()) }),
    parking: z.object({ freeHoursToday: z.number().int() }),
    tierChange: z.object({ from: z.string().nullable(), to: z.string(), giftParkingHours: z.number().int(), rules: z.array(z.string()) }).nullable(),
    benefits: z.array(z.string()),
    referrerPoints: z.object({ earned: z.number().int(), rules: z.array(z.string()) }),
    refund: z.object({ storedValue: z.number().int() }).optional(),
    trace: z.array(traceEntrySchema),
  })
  .meta({ id: "Decision" });

/** The receipt of a transaction: a receipt whose receiptId is required, so a missing one is named with the other bad fields. */
export const transactionReceiptSchema = receiptSchema.safeExtend({ receiptId: z.string().min(1).max(128) });

/** A claim of an unswiped sale. */
export const claimSchema = z.object({ memberId: z.string().min(1).max(128), at: instantSchema }).strict();

/** An enrolment request. */
export const enrolmentSchema = z
  .object({
    storeId: z.string().min(1).max(128),
    at: instantSchema,
    program: z.string().min(1).max(64),
    evidenceReceiptIds: z.array(z.string().min(1).max(128)).max(50).default([]),
    profile: z
      .object({ name: z.string().max(128).optional(), phone: z.string().max(32).optional(), student: z.boolean().default(false), studentOfficer: z.boolean().default(false) })
      .strict()
      .default({ student: false, studentOfficer: false }),
    /** A membership fee paid at the desk, in fen (programs that sell their card). */
    feePaid: z.number().int().min(0).max(100_000_000).default(0),
    /** An existing member of the same program who referred the applicant. */
    referrerId: z.string().min(1).max(128).optional(),
  })
  .strict();

/** A member as the POS contract shows it. */
export const memberViewSchema = z
  .object({
    id: z.string(),
    program: z.string(),
    tier: z.string(),
    status: z.string(),
    supreme: z.boolean(),
    issuedOn: z.string(),
    cycle: z.object({ start: z.string(), end: z.string(), qualifyingSpend: z.number().int() }),
    points: z.object({ balance: z.number().int(), debt: z.number().int(), expiring: z.array(z.object({ expiresAt: z.string(), points: z.number().int() })) }),
    parkingHours: z.number().int(),
    benefits: z.array(z.string()),
    storedValue: z.object({ balance: z.number().int(), plan: z.string().nullable() }),
    referredBy: z.string().nullable(),
  })
  .meta({ id: "Member" });
