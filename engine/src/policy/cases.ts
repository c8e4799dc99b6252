/**
 * Data-driven policy cases: a compact JSON format (a named input and the values expected at
 * dotted paths of the result), its schema, and a runner that reports every mismatch.
 */
import { z } from "zod";
import { cycleOn, pointsValidThrough } from "../calendar";
import type { CompiledPolicy } from "../evaluate/compiled";
import type { EnrolmentInput } from "../effects/enrolment";
import type { LifecycleInput, RechargeInput, RedemptionInput, YearEndInput } from "../effects/member";
import { cycleSpendBefore, type SaleInput } from "../facts/gather";
import { DECIMAL_SCALE, divideHalfUp, toScaled } from "../money";
import { departmentSchema, memberSnapshotSchema, receiptSchema, tenderSchema, type MemberSnapshot } from "../receipt";
import { memberStatusSchema, type Policy } from "./schema";

const localDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD");

/** A receipt line of a case: every field is optional and merged over a one-unit, 100-yuan, full-price department-store line. */
export const caseLineSchema = z
  .object({
    lineId: z.string().min(1).optional(),
    sku: z.string().min(1).optional(),
    styleId: z.string().min(1).optional(),
    department: departmentSchema.optional(),
    zone: z.string().nullish(),
    brand: z.string().nullish(),
    quantity: z.number().int().min(1).optional(),
    unitPrice: z.number().int().min(0).optional(),
    fullPrice: z.boolean().optional(),
    marginPercent: z.number().nullish(),
  })
  .strict();

/** The member of a sale case: a tier name alone, or a tier with snapshot fields merged over the defaults. */
export const caseMemberSchema = z.union([
  z.string().min(1),
  z
    .object({
      tier: z.string().min(1),
      issuedOn: localDateSchema.optional(),
      cycleStart: localDateSchema.optional(),
      cycleSpend: z.number().int().min(0).optional(),
      status: memberStatusSchema.optional(),
      supreme: z.boolean().optional(),
      plan: z.string().min(1).nullable().optional(),
      referred: z.boolean().optional(),
      profile: z.object({ student: z.boolean(), studentOfficer: z.boolean() }).strict().optional(),
    })
    .strict(),
]);

/** Values expected in the result, keyed by dotted path (`lines.0.discount`, `tierChange.giftParkingHours`). */
export const expectationsSchema = z.record(z.string().min(1), z.json()).refine((e) => Object.keys(e).length > 0, "expect at least one value");

const common = { name: z.string().min(1), expect: expectationsSchema };

/** A sale decided by `CompiledPolicy.decide`. */
export const saleCaseSchema = z
  .object({
    ...common,
    kind: z.literal("sale"),
    input: z
      .object({
        at: z.string().optional(),
        storeId: z.string().min(1).optional(),
        member: z.union([z.null(), caseMemberSchema]),
        lines: z.array(caseLineSchema).min(1),
        tenders: z.array(tenderSchema).optional(),
        dayPayableBefore: z.number().int().min(0).optional(),
      })
      .strict(),
  })
  .strict();

/** An enrolment decided by `CompiledPolicy.enrol`. */
export const enrolmentCaseSchema = z
  .object({
    ...common,
    kind: z.literal("enrolment"),
    input: z
      .object({
        at: z.string().optional(),
        storeId: z.string().min(1).optional(),
        evidenceQualifyingSpend: z.number().int().min(0),
        evidenceReceiptCount: z.number().int().min(0).optional(),
        evidenceLargestReceiptSpend: z.number().int().min(0).optional(),
        evidenceSpendByZoneGroup: z.record(z.string(), z.number().int().min(0)).optional(),
        feePaid: z.number().int().min(0).optional(),
        referral: z.boolean().optional(),
        profile: z.object({ student: z.boolean(), studentOfficer: z.boolean() }).strict().optional(),
      })
      .strict(),
  })
  .strict();

/** A member's year end, decided by `CompiledPolicy.yearEnd` (result: status, supreme, bonusPoints, forfeitPoints). */
export const yearEndCaseSchema = z
  .object({
    ...common,
    kind: z.literal("year-end"),
    input: z
      .object({
        member: caseMemberSchema,
        year: z.number().int().min(1900).max(9999),
        yearQualifyingSpend: z.number().int().min(0),
        priorYearQualifyingSpend: z.number().int().min(0).optional(),
        pointsBalance: z.number().int().min(0).optional(),
      })
      .strict(),
  })
  .strict();

/** A member in a lifecycle run, decided by `CompiledPolicy.lifecycle`. */
export const lifecycleCaseSchema = z
  .object({
    ...common,
    kind: z.literal("lifecycle"),
    input: z
      .object({
        member: caseMemberSchema,
        at: z.string().optional(),
        lastQualifyingOn: localDateSchema.nullable(),
        pointsBalance: z.number().int().min(0).optional(),
      })
      .strict(),
  })
  .strict();

/** A stored-value recharge, decided by `CompiledPolicy.recharge` (result: bonusPoints, bonusCredit, plan). */
export const rechargeCaseSchema = z
  .object({
    ...common,
    kind: z.literal("recharge"),
    input: z.object({ member: caseMemberSchema, at: z.string().optional(), storeId: z.string().min(1).optional(), amount: z.number().int().min(1) }).strict(),
  })
  .strict();

/** A gift redemption, decided by `CompiledPolicy.redeem` (result: accepted, points, shortfall). */
export const redemptionCaseSchema = z
  .object({
    ...common,
    kind: z.literal("redemption"),
    input: z.object({ member: caseMemberSchema, at: z.string().optional(), giftId: z.string().min(1), pointsBalance: z.number().int().min(0) }).strict(),
  })
  .strict();

/** A validity cycle on a date (result: `start`, `end`, and `spendBefore` when a member snapshot is given). */
export const cycleCaseSchema = z
  .object({
    ...common,
    kind: z.literal("cycle"),
    input: z
      .object({
        issuedOn: localDateSchema,
        on: localDateSchema,
        member: z.object({ cycleStart: localDateSchema, cycleSpend: z.number().int().min(0) }).strict().optional(),
      })
      .strict(),
  })
  .strict();

/** The expiry of points earned on a date (result: `validThrough`, and `valid` when `on` is given). */
export const expiryCaseSchema = z
  .object({
    ...common,
    kind: z.literal("expiry"),
    input: z.object({ earnedOn: localDateSchema, on: localDateSchema.optional() }).strict(),
  })
  .strict();

/** What a number of points is worth (result: `fen`, rounded half up, and `yuan`). */
export const pointValueCaseSchema = z
  .object({
    ...common,
    kind: z.literal("point-value"),
    input: z.object({ points: z.number().int().min(0) }).strict(),
  })
  .strict();

/** One policy case. */
export const policyCaseSchema = z.discriminatedUnion("kind", [
  saleCaseSchema,
  enrolmentCaseSchema,
  yearEndCaseSchema,
  lifecycleCaseSchema,
  rechargeCaseSchema,
  redemptionCaseSchema,
  cycleCaseSchema,
  expiryCaseSchema,
  pointValueCaseSchema,
]);
export type PolicyCase = z.infer<typeof policyCaseSchema>;

/** A file of cases: a list whose names are unique. */
export const policyCasesSchema = z.array(policyCaseSchema).superRefine((cases, ctx) => {
  const seen = new Set<string>();
  cases.forEach((c, i) => {
    if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate case name "${c.name}"` });
    seen.add(c.name);
  });
});

/** A value that differs from what a case expects. */
export interface Mismatch {
  path: string;
  expected: unknown;
  /** The value found, or `"<missing>"` when the path leads nowhere. */
  actual: unknown;
}

/** Parses a case file's content, throwing with every bad field's path when it is malformed. */
export function loadCases(document: unknown): PolicyCase[] {
  const parsed = policyCasesSchema.safeParse(document);
  if (!parsed.success) throw new Error(`bad cases:\n${parsed.error.issues.map((i) => `  /${i.path.join("/")}: ${i.message}`).join("\n")}`);
  return parsed.data;
}

const DEFAULT_AT = "2026-11-22T14:05:00+08:00";
const DEFAULT_STORE = "beiguo-central";

function memberOf(input: z.infer<typeof caseMemberSchema>): MemberSnapshot {
  const given = typeof input === "string" ? { tier: input } : input;
  return memberSnapshotSchema.parse({ id: "m_case", issuedOn: "2026-01-05", cycleStart: given.issuedOn ?? "2026-01-05", cycleSpend: 0, ...given });
}

/** Builds the engine's sale input from a sale case: lines get distinct styles and SKUs unless the case says otherwise. */
export function saleInputOf(input: z.infer<typeof saleCaseSchema>["input"]): SaleInput {
  const receipt = receiptSchema.parse({
    storeId: input.storeId ?? DEFAULT_STORE,
    at: input.at ?? DEFAULT_AT,
    lines: input.lines.map((line, i) => ({
      lineId: String(i + 1),
      sku: `SKU-${i + 1}`,
      styleId: `ST-${i + 1}`,
      department: "department_store",
      quantity: 1,
      unitPrice: 10_000,
      fullPrice: true,
      ...line,
    })),
    ...(input.tenders ? { tenders: input.tenders } : {}),
  });
  const sale: SaleInput = { receipt, member: input.member === null ? null : memberOf(input.member) };
  if (input.dayPayableBefore !== undefined) sale.dayPayableBefore = input.dayPayableBefore;
  return sale;
}

/**
 * What a case needs of an evaluator: the compiled policy, or the reference one (whose answers
 * are promises of the same results).
 */
export interface CaseEvaluator {
  policy: Policy;
  decide(input: SaleInput): unknown;
  enrol(input: EnrolmentInput): unknown;
  yearEnd(input: YearEndInput): unknown;
  lifecycle(input: LifecycleInput): unknown;
  recharge(input: RechargeInput): unknown;
  redeem(input: RedemptionInput): unknown;
}

/** Runs a case against an evaluator and returns the result the case's paths point into (a promise of it from the reference). */
export function resultOf(policy: CaseEvaluator, testCase: PolicyCase): unknown {
  const { settings } = policy.policy;
  switch (testCase.kind) {
    case "sale":
      return policy.decide(saleInputOf(testCase.input));
    case "enrolment": {
      const { input } = testCase;
      return policy.enrol({
        at: input.at ?? DEFAULT_AT,
        storeId: input.storeId ?? DEFAULT_STORE,
        evidenceQualifyingSpend: input.evidenceQualifyingSpend,
        evidenceReceiptCount: input.evidenceReceiptCount ?? 1,
        profile: input.profile ?? { student: false, studentOfficer: false },
        ...(input.evidenceLargestReceiptSpend !== undefined ? { evidenceLargestReceiptSpend: input.evidenceLargestReceiptSpend } : {}),
        ...(input.evidenceSpendByZoneGroup ? { evidenceSpendByZoneGroup: input.evidenceSpendByZoneGroup } : {}),
        ...(input.feePaid !== undefined ? { feePaid: input.feePaid } : {}),
        ...(input.referral !== undefined ? { referral: input.referral } : {}),
      });
    }
    case "year-end": {
      const { input } = testCase;
      return policy.yearEnd({ member: memberOf(input.member), year: input.year, yearQualifyingSpend: input.yearQualifyingSpend, priorYearQualifyingSpend: input.priorYearQualifyingSpend ?? 0, pointsBalance: input.pointsBalance ?? 0 });
    }
    case "lifecycle": {
      const { input } = testCase;
      return policy.lifecycle({ member: memberOf(input.member), at: input.at ?? DEFAULT_AT, lastQualifyingOn: input.lastQualifyingOn, pointsBalance: input.pointsBalance ?? 0 });
    }
    case "recharge": {
      const { input } = testCase;
      return policy.recharge({ member: memberOf(input.member), at: input.at ?? DEFAULT_AT, storeId: input.storeId ?? DEFAULT_STORE, amount: input.amount });
    }
    case "redemption": {
      const { input } = testCase;
      return policy.redeem({ member: memberOf(input.member), at: input.at ?? DEFAULT_AT, storeId: DEFAULT_STORE, giftId: input.giftId, pointsBalance: input.pointsBalance });
    }
    case "cycle": {
      const { issuedOn, on, member } = testCase.input;
      const cycle = cycleOn(issuedOn, on, settings.cycle.firstCycleExtraYears);
      if (!member) return cycle;
      const snapshot = memberOf({ tier: policy.policy.tiers[0]!.id, issuedOn, ...member });
      return { ...cycle, spendBefore: cycleSpendBefore(policy.policy, snapshot, on).spend };
    }
    case "expiry": {
      const validThrough = pointsValidThrough(testCase.input.earnedOn, settings.points.expireAfterYears);
      return testCase.input.on === undefined ? { validThrough } : { validThrough, valid: testCase.input.on <= validThrough };
    }
    case "point-value": {
      // valueFen may carry decimals: scale it to an integer so the product stays exact.
      const fen = Number(divideHalfUp(BigInt(testCase.input.points) * BigInt(toScaled(settings.points.valueFen)), BigInt(DECIMAL_SCALE)));
      return { fen, yuan: fen / 100 };
    }
  }
}

const MISSING = "<missing>";

/** Reads a dotted path (`lines.0.discount`) from a value; array steps are indexes. */
export function readDotted(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.split(".")) {
    if (current === null || typeof current !== "object") return MISSING;
    if (!Object.prototype.hasOwnProperty.call(current, step)) return MISSING;
    current = (current as Record<string, unknown>)[step];
  }
  return current === undefined ? MISSING : current;
}

/** Structural equality of JSON values; arrays compare in order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Runs one case and lists every expected value that differs; an exception is reported at the path `(error)`. */
export function runCase(policy: CompiledPolicy, testCase: PolicyCase): Mismatch[] {
  let result: unknown;
  try {
    result = resultOf(policy, testCase);
  } catch (error) {
    return [{ path: "(error)", expected: "a result", actual: error instanceof Error ? error.message : String(error) }];
  }
  const mismatches: Mismatch[] = [];
  for (const [path, expected] of Object.entries(testCase.expect)) {
    const actual = readDotted(result, path);
    if (!jsonEqual(actual, expected)) mismatches.push({ path, expected, actual });
  }
  return mismatches;
}

/** Whether any case of the list fails against the policy; stops at the first failure. */
export function anyCaseFails(policy: CompiledPolicy, cases: readonly PolicyCase[]): boolean {
  return cases.some((c) => runCase(policy, c).length > 0);
}
