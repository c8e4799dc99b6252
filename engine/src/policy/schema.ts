import { z } from "zod";

/** The version of the document format; content versions are counted separately in `version`. */
export const POLICY_FORMAT = 1;

/** A text in Chinese and English; the editor shows Chinese by default. */
export const localizedSchema = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();
export type Localized = z.infer<typeof localizedSchema>;

/** Identifiers of rules, tiers and programs: lower-case words joined by dashes. */
export const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "use lower-case letters, digits, '-' and '_'");

/** A decimal written with at most four decimals, so that it converts to an exact fraction. */
const decimalSchema = z.number().refine((n) => Number.isFinite(n) && Math.abs(Math.round(n * 10_000) - n * 10_000) < 1e-6, "at most four decimals");
const fenSchema = z.number().int().min(0).max(1_000_000_000_000);

// What every object inherits (constructor, __proto__, toString, ...): a path names a fact's own fields only.
const INHERITED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), "prototype"]);

/**
 * A fact path: a dotted or indexed walk into an object-valued fact, e.g. `$.cash` or `$.items[0]`.
 * Only this safe subset of JSONPath is accepted: no filters, scripts or recursion, and no step
 * naming an inherited property such as `constructor` or `__proto__`.
 */
export const factPathSchema = z
  .string()
  .regex(/^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[\d{1,4}\])+$/, "use $.name or $[index] steps only")
  .refine((path) => !(path.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).some((name) => INHERITED_NAMES.has(name)), "a path may not name an inherited property such as constructor, __proto__ or toString");

const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A literal compared against a fact: a scalar or a list of scalars. */
export const literalSchema = z.union([jsonScalar, z.array(jsonScalar)]);

/** The right-hand side may name another fact instead of a literal. */
export const factValueRefSchema = z
  .object({ fact: z.string().min(1), path: factPathSchema.optional(), params: z.record(z.string(), jsonScalar).optional() })
  .strict();

/** A comparison of one fact against a value: json-rules-engine's leaf condition. */
export const leafConditionSchema = z
  .object({
    fact: z.string().min(1),
    operator: z.string().min(1),
    value: z.union([literalSchema, factValueRefSchema]),
    path: factPathSchema.optional(),
    params: z.record(z.string(), jsonScalar).optional(),
    priority: z.number().int().min(1).optional(),
    name: z.string().optional(),
  })
  .strict();

/** Any condition node: all / any / not, a reference to a named condition, or a leaf. */
export type Condition =
  | z.infer<typeof leafConditionSchema>
  | { all: Condition[]; priority?: number; name?: string }
  | { any: Condition[]; priority?: number; name?: string }
  | { not: Condition; priority?: number; name?: string }
  | { condition: string; priority?: number; name?: string };

const nodeExtras = { priority: z.number().int().min(1).optional(), name: z.string().optional() };

/** A condition tree in json-rules-engine's format. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(conditionSchema), ...nodeExtras }).strict(),
    z.object({ any: z.array(conditionSchema), ...nodeExtras }).strict(),
    z.object({ not: conditionSchema, ...nodeExtras }).strict(),
    z.object({ condition: z.string().min(1), ...nodeExtras }).strict(),
    leafConditionSchema,
  ]),
);

/** The top of a rule's conditions: a boolean node or a reference, as json-rules-engine requires. */
export const topConditionSchema = z.union([
  z.object({ all: z.array(conditionSchema), ...nodeExtras }).strict(),
  z.object({ any: z.array(conditionSchema), ...nodeExtras }).strict(),
  z.object({ not: conditionSchema, ...nodeExtras }).strict(),
  z.object({ condition: z.string().min(1), ...nodeExtras }).strict(),
]);

/** A member's standing: dormant after a silence, cancelled after a longer one (see the lifecycle rules). */
export const memberStatusSchema = z.enum(["active", "dormant", "cancelled"]);
export type MemberStatus = z.infer<typeof memberStatusSchema>;

/** The effects a rule may have; each family resolves conflicts its own documented way (see effects/). */
export const effectSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("line-discount"), params: z.object({ percent: decimalSchema }).strict() }).strict(),
  z.object({ type: z.literal("qualifying-line"), params: z.object({}).strict().default({}) }).strict(),
  z.object({ type: z.literal("points-rate"), params: z.object({ perYuan: decimalSchema.refine((n) => n >= 0, "must not be negative") }).strict() }).strict(),
  z.object({ type: z.literal("points-multiplier"), params: z.object({ factor: decimalSchema.refine((n) => n >= 0, "must not be negative") }).strict() }).strict(),
  z
    .object({
      type: z.literal("parking-hours"),
      params: z
        .object({
          minSpend: fenSchema,
          baseHours: z.number().int().min(0).max(24),
          stepFrom: fenSchema,
          stepSpend: fenSchema.refine((n) => n > 0, "must be positive"),
          stepHours: z.number().int().min(0).max(24),
          maxHours: z.number().int().min(0).max(24),
        })
        .strict(),
    })
    .strict(),
  z.object({ type: z.literal("tier-entry"), params: z.object({ tier: slugSchema, minSpend: fenSchema }).strict() }).strict(),
  z
    .object({
      type: z.literal("tier-upgrade"),
      params: z.object({ to: slugSchema, minCycleSpend: fenSchema, giftParkingHours: z.number().int().min(0).max(10_000) }).strict(),
    })
    .strict(),
  z.object({ type: z.literal("benefits"), params: z.object({ flags: z.array(slugSchema).min(1) }).strict() }).strict(),
  z.object({ type: z.literal("line-unit-price"), params: z.object({ unitPrice: fenSchema }).strict() }).strict(),
  z.object({ type: z.literal("bonus-points"), params: z.object({ points: z.number().int().min(1).max(100_000_000) }).strict() }).strict(),
  z
    .object({
      type: z.literal("bonus-credit"),
      params: z.object({ stepSpend: fenSchema.refine((n) => n > 0, "must be positive"), creditPerStep: fenSchema }).strict(),
    })
    .strict(),
  z.object({ type: z.literal("stored-value-plan"), params: z.object({ plan: slugSchema }).strict() }).strict(),
  z.object({ type: z.literal("member-status"), params: z.object({ status: memberStatusSchema }).strict() }).strict(),
  z.object({ type: z.literal("supreme-status"), params: z.object({ supreme: z.boolean() }).strict() }).strict(),
  z.object({ type: z.literal("forfeit-points"), params: z.object({}).strict().default({}) }).strict(),
  z.object({ type: z.literal("gift-price"), params: z.object({ gift: slugSchema, points: z.number().int().min(0).max(100_000_000) }).strict() }).strict(),
  z.object({ type: z.literal("referral-bonus"), params: z.object({ points: z.number().int().min(1).max(100_000_000) }).strict() }).strict(),
  z.object({ type: z.literal("referral-share"), params: z.object({ perYuan: decimalSchema.refine((n) => n > 0, "must be positive") }).strict() }).strict(),
]);
export type Effect = z.infer<typeof effectSchema>;
export type EffectType = Effect["type"];

/**
 * Where a rule is evaluated: once per receipt line, once per receipt (after the lines are
 * priced), once per enrolment request, once per member and calendar year after it ends
 * (`year-end`), once per member in every lifecycle run (`lifecycle`), once per stored-value
 * recharge, or once per gift redemption.
 */
export const ruleScopeSchema = z.enum(["line", "receipt", "enrolment", "year-end", "lifecycle", "recharge", "redemption"]);
export type RuleScope = z.infer<typeof ruleScopeSchema>;

/** A json-rules-engine rule with an id, a scope and a typed effect as its event. */
export const ruleSchema = z
  .object({
    id: slugSchema,
    name: localizedSchema,
    description: localizedSchema.optional(),
    scope: ruleScopeSchema,
    priority: z.number().int().min(1).optional(),
    conditions: topConditionSchema,
    event: effectSchema,
  })
  .strict();
export type Rule = z.infer<typeof ruleSchema>;

/** Tender types; `settings.moneyTenders` says which of them count as money. */
export const tenderTypeSchema = z.enum(["cash", "bank_card", "mobile", "stored_value", "gift_card", "points", "coupon"]);
export type TenderType = z.infer<typeof tenderTypeSchema>;

/** Program-wide settings that rules and the ledger read. */
export const settingsSchema = z
  .object({
    timezone: z.string().min(1),
    moneyTenders: z.array(tenderTypeSchema),
    memberDays: z.object({ daysOfMonth: z.array(z.number().int().min(1).max(31)), dates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]) }).strict(),
    points: z
      .object({
        /** Points earned in calendar year Y expire at the end of 31 December of Y + this number. */
        expireAfterYears: z.number().int().min(0).max(50),
        /** What one point is worth in fen, for reporting liabilities and costs. */
        valueFen: decimalSchema.refine((n) => n >= 0, "must not be negative"),
      })
      .strict(),
    cycle: z
      .object({
        /** The first validity cycle runs from the issue date to 31 December of the issue year + this number. */
        firstCycleExtraYears: z.number().int().min(0).max(10),
      })
      .strict(),
    /** Named groups of store zones (e.g. the campus zones), read by `lineZoneGroups` and `evidenceSpendByZoneGroup`. */
    zoneGroups: z.record(slugSchema, z.array(z.string().min(1).max(64)).min(1)).default({}),
  })
  .strict();
export type Settings = z.infer<typeof settingsSchema>;

/** The most rules a program may hold (the shipped program has 23). */
export const MAX_RULES = 500;

/** A membership program as a versioned JSON document. */
export const policySchema = z
  .object({
    $schema: z.string().optional(),
    format: z.literal(POLICY_FORMAT),
    id: slugSchema,
    version: z.number().int().min(1),
    name: localizedSchema,
    description: localizedSchema.optional(),
    tiers: z.array(z.object({ id: slugSchema, name: localizedSchema }).strict()).min(1),
    settings: settingsSchema,
    /** Gifts members may redeem points for, at the catalog price unless a redemption rule sets a lower one. */
    gifts: z.array(z.object({ id: slugSchema, name: localizedSchema, points: z.number().int().min(1).max(100_000_000) }).strict()).default([]),
    /** Named conditions must be boolean nodes or references, as json-rules-engine requires of them. */
    conditions: z.record(slugSchema, topConditionSchema).default({}),
    /** At most MAX_RULES: lint compares rules pairwise, and a draft is linted inside the request that saves it. */
    rules: z.array(ruleSchema).max(MAX_RULES),
  })
  .strict();
export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
