import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadShippedPolicy } from "../../test/factories";
import { policyJsonSchema } from "./json-schema";
import { lintPolicy } from "./lint";
import { parsePolicy } from "./parse";
import { policySchema, type PolicyInput } from "./schema";

type RuleInput = PolicyInput["rules"][number];

/** A rule in `scope` with `conditions` and an effect; an always-true `all: []` unless told. */
function rule(id: string, scope: RuleInput["scope"], event: RuleInput["event"], conditions: RuleInput["conditions"] = { all: [] }): RuleInput {
  return { id, name: { zh: id, en: id }, scope, conditions, event };
}

const discount = (percent: number): RuleInput["event"] => ({ type: "line-discount", params: { percent } });
const rate = (perYuan: number): RuleInput["event"] => ({ type: "points-rate", params: { perYuan } });
const parking = (baseHours: number, maxHours: number): RuleInput["event"] => ({
  type: "parking-hours",
  params: { minSpend: 20_000, baseHours, stepFrom: 40_000, stepSpend: 20_000, stepHours: 1, maxHours },
});
const tierIs = (tier: string) => ({ fact: "memberTier", operator: "equal", value: tier });

/** A schema-valid two-tier policy with the given rules and named conditions. */
function policy(rules: RuleInput[], conditions: PolicyInput["conditions"] = {}, tiers = ["guest", "silver"]) {
  return policySchema.parse({
    format: 1,
    id: "lint-test",
    version: 1,
    name: { zh: "测试", en: "test" },
    tiers: tiers.map((id) => ({ id, name: { zh: id, en: id } })),
    settings: {
      timezone: "Asia/Shanghai",
      moneyTenders: ["cash"],
      memberDays: { daysOfMonth: [8] },
      points: { expireAfterYears: 1, valueFen: 10 },
      cycle: { firstCycleExtraYears: 1 },
    },
    conditions,
    rules,
  } satisfies PolicyInput);
}

/** The diagnostics of a policy reduced to what the editor places: code, severity and pointer. */
function lint(rules: RuleInput[], conditions?: PolicyInput["conditions"], tiers?: string[]) {
  return lintPolicy(policy(rules, conditions, tiers)).map(({ code, severity, path }) => ({ code, severity, path }));
}

describe("lintPolicy", () => {
  it("passes a clean policy with no diagnostics", () => {
    expect(lint([rule("silver-off", "line", discount(5), { all: [tierIs("silver")] })])).toEqual([]);
  });

  it("unknown_fact: a fact that is not in the catalog", () => {
    expect(lint([rule("r", "line", discount(5), { all: [{ fact: "lineColour", operator: "equal", value: "red" }] })])).toEqual([
      { code: "unknown_fact", severity: "error", path: "/rules/0/conditions/all/0/fact" },
    ]);
  });

  it("unknown_fact: a fact named on the right-hand side", () => {
    expect(lint([rule("r", "receipt", rate(1), { all: [{ fact: "receiptPayable", operator: "greaterThan", value: { fact: "budget" } }] })])).toEqual([
      { code: "unknown_fact", severity: "error", path: "/rules/0/conditions/all/0/value/fact" },
    ]);
  });

  it("fact_out_of_scope: a receipt fact read by a line rule", () => {
    expect(lint([rule("r", "line", discount(5), { all: [{ fact: "receiptPayable", operator: "greaterThan", value: 100 }] })])).toEqual([
      { code: "fact_out_of_scope", severity: "error", path: "/rules/0/conditions/all/0/fact" },
    ]);
  });

  it("fact_out_of_scope: a line fact read by an enrolment rule, inside a named condition", () => {
    expect(
      lint([rule("r", "enrolment", { type: "tier-entry", params: { tier: "guest", minSpend: 100 } }, { condition: "dining" })], { dining: { all: [{ fact: "lineDepartment", operator: "equal", value: "dining" }] } }),
    ).toEqual([{ code: "fact_out_of_scope", severity: "error", path: "/conditions/dining/all/0/fact" }]);
  });

  it("unknown_operator: an operator or decorator that does not exist", () => {
    expect(
      lint([
        rule("r", "line", discount(5), {
          all: [
            { fact: "lineGross", operator: "atLeast", value: 100 },
            { fact: "lineBrand", operator: "maybe:equal", value: "Nike" },
          ],
        }),
      ]),
    ).toEqual([
      { code: "unknown_operator", severity: "error", path: "/rules/0/conditions/all/0/operator" },
      { code: "unknown_operator", severity: "error", path: "/rules/0/conditions/all/1/operator" },
    ]);
  });

  it("bad_value: a list operator with a scalar, a comparison with a string", () => {
    expect(
      lint([
        rule("r", "line", discount(5), {
          all: [
            { fact: "lineDepartment", operator: "in", value: "dining" },
            { fact: "lineGross", operator: "lessThan", value: "100" },
          ],
        }),
      ]),
    ).toEqual([
      { code: "bad_value", severity: "error", path: "/rules/0/conditions/all/0/value" },
      { code: "bad_value", severity: "error", path: "/rules/0/conditions/all/1/value" },
    ]);
  });

  it("unknown_tier_value: a tier compared with memberTier that the program does not have", () => {
    expect(lint([rule("r", "line", discount(5), { all: [{ fact: "memberTier", operator: "in", value: ["silver", "gold"] }] })])).toEqual([
      { code: "unknown_tier_value", severity: "warning", path: "/rules/0/conditions/all/0/value" },
    ]);
  });

  it("duplicate_id: two rules with one id", () => {
    expect(lint([rule("same", "line", discount(5), { all: [tierIs("silver")] }), rule("same", "line", discount(10), { all: [tierIs("guest")] })])).toEqual([
      { code: "duplicate_id", severity: "error", path: "/rules/1/id" },
    ]);
  });

  it("duplicate_id: two tiers with one id", () => {
    expect(lint([], undefined, ["guest", "silver", "guest"])).toEqual([{ code: "duplicate_id", severity: "error", path: "/tiers/2/id" }]);
  });

  it("unknown_condition: a reference to a named condition that does not exist", () => {
    expect(lint([rule("r", "line", discount(5), { all: [tierIs("silver"), { condition: "full-price" }] })])).toEqual([
      { code: "unknown_condition", severity: "error", path: "/rules/0/conditions/all/1/condition" },
    ]);
  });

  it("circular_condition: a named condition that refers to itself through another", () => {
    const diagnostics = lint([rule("r", "line", discount(5), { condition: "a" })], { a: { all: [{ condition: "b" }] }, b: { any: [{ condition: "a" }] } });
    expect(diagnostics).toEqual([{ code: "circular_condition", severity: "error", path: "/conditions/b/any/0/condition" }]);
  });

  it("effect_out_of_scope: a points rate in an enrolment rule", () => {
    expect(lint([rule("r", "enrolment", rate(1))])).toEqual([{ code: "effect_out_of_scope", severity: "error", path: "/rules/0/scope" }]);
  });

  it("unknown_tier: an upgrade or entry to a tier the program does not have", () => {
    expect(
      lint([
        rule("up", "receipt", { type: "tier-upgrade", params: { to: "gold", minCycleSpend: 100, giftParkingHours: 0 } }),
        rule("in", "enrolment", { type: "tier-entry", params: { tier: "gold", minSpend: 100 } }),
      ]),
    ).toEqual([
      { code: "unknown_tier", severity: "error", path: "/rules/0/event/params/to" },
      { code: "unknown_tier", severity: "error", path: "/rules/1/event/params/tier" },
    ]);
  });

  it("discount_out_of_range: a discount above 100 % or below 0 %", () => {
    expect(lint([rule("a", "line", discount(120), { all: [tierIs("silver")] }), rule("b", "line", discount(-5), { all: [tierIs("guest")] })])).toEqual([
      { code: "discount_out_of_range", severity: "error", path: "/rules/0/event/params/percent" },
      { code: "discount_out_of_range", severity: "error", path: "/rules/1/event/params/percent" },
    ]);
  });

  it("parking_cap_below_base: a cap below the base hours", () => {
    expect(lint([rule("p", "receipt", parking(3, 2))])).toEqual([{ code: "parking_cap_below_base", severity: "warning", path: "/rules/0/event/params/maxHours" }]);
  });

  it("never_fires: conditions that contradict each other, through a named condition too", () => {
    expect(
      lint(
        [
          rule("a", "line", discount(5), { all: [tierIs("silver"), tierIs("guest")] }),
          rule("b", "line", discount(5), { all: [{ fact: "lineGross", operator: "greaterThan", value: 500 }, { condition: "small" }] }),
          rule("c", "line", discount(5), { not: { all: [] } }),
        ],
        { small: { all: [{ fact: "lineGross", operator: "lessThanInclusive", value: 500 }] } },
      ),
    ).toEqual([
      { code: "never_fires", severity: "warning", path: "/rules/0/conditions" },
      { code: "never_fires", severity: "warning", path: "/rules/1/conditions" },
      { code: "never_fires", severity: "warning", path: "/rules/2/conditions" },
    ]);
  });

  it("thresholds_not_increasing: a higher tier's entry threshold that is not above a lower tier's", () => {
    expect(
      lint([
        rule("entry-guest", "enrolment", { type: "tier-entry", params: { tier: "guest", minSpend: 100_000 } }),
        rule("entry-silver", "enrolment", { type: "tier-entry", params: { tier: "silver", minSpend: 100_000 } }),
      ]),
    ).toEqual([{ code: "thresholds_not_increasing", severity: "error", path: "/rules/1/event/params/minSpend" }]);
  });

  it("thresholds_not_increasing: a higher tier's upgrade threshold below a lower tier's", () => {
    expect(
      lint(
        [
          rule("to-platinum", "receipt", { type: "tier-upgrade", params: { to: "platinum", minCycleSpend: 500_000, giftParkingHours: 0 } }),
          rule("to-silver", "receipt", { type: "tier-upgrade", params: { to: "silver", minCycleSpend: 1_000_000, giftParkingHours: 0 } }),
        ],
        undefined,
        ["guest", "silver", "platinum"],
      ),
    ).toEqual([{ code: "thresholds_not_increasing", severity: "error", path: "/rules/0/event/params/minCycleSpend" }]);
  });

  it("conflicting_effects: two points rates that can fire on one receipt, reported on the later rule", () => {
    expect(
      lint([
        rule("rate-guest", "receipt", rate(1), { all: [tierIs("guest")] }),
        rule("rate-big", "receipt", rate(2), { all: [{ fact: "receiptPayable", operator: "greaterThan", value: 100_000 }] }),
        rule("rate-silver", "receipt", rate(1.5), { all: [tierIs("silver")] }),
      ]),
    ).toEqual([
      { code: "conflicting_effects", severity: "warning", path: "/rules/1" },
      { code: "conflicting_effects", severity: "warning", path: "/rules/2" },
    ]);
  });

  it("a line's points rate does not conflict with the receipt's: it overrides it for that line", () => {
    expect(lint([rule("rate-line", "line", rate(2)), rule("rate-receipt", "receipt", rate(1)), rule("rate-line-2", "line", rate(3))])).toEqual([{ code: "conflicting_effects", severity: "warning", path: "/rules/2" }]);
  });

  it("conflicting_effects: two parking formulas for every member", () => {
    expect(lint([rule("p1", "receipt", parking(2, 6)), rule("p2", "receipt", parking(1, 4))])).toEqual([{ code: "conflicting_effects", severity: "warning", path: "/rules/1" }]);
  });

  it("unused_condition: a named condition no rule refers to", () => {
    expect(lint([rule("r", "line", discount(5), { all: [tierIs("silver")] })], { dining: { all: [{ fact: "lineDepartment", operator: "equal", value: "dining" }] } })).toEqual([
      { code: "unused_condition", severity: "warning", path: "/conditions/dining" },
    ]);
  });

  it("lints the shipped Beiguo policy clean: no errors and no warnings", () => {
    expect(lintPolicy(loadShippedPolicy("beiguo"))).toEqual([]);
  });
});

/** A fresh, mutable copy of the shipped Beiguo document. */
const shipped = (): Record<string, any> => JSON.parse(readFileSync(new URL("../../../policies/beiguo/v1.json", import.meta.url), "utf8"));

// No JSON Schema validator is a dependency of this project; the validation test runs where Ajv is installed.
type Validator = ((data: unknown) => boolean) & { errors?: unknown };
const validatorModule = "ajv/dist/2020.js";
const Ajv = await import(/* @vite-ignore */ validatorModule)
  .then((m: { default: new (options: object) => { compile(schema: object): Validator } }) => m.default)
  .catch(() => null);

describe("parsePolicy", () => {
  it("names every bad field of a schema-invalid document with a JSON pointer", () => {
    const document = shipped();
    document.format = 2;
    document.id = "Bad Id";
    delete document.tiers[0].name.en;
    document.settings.moneyTenders.push("cheque");
    document.settings.points.valueFen = -1;
    document.rules[1].event.params.percent = "five";
    document.rules[2].scope = "basket";
    document.rules[3].conditions.all[0].operator = "";
    document.surplus = true;
    const result = parsePolicy(document);
    expect(result.ok).toBe(false);
    const paths = result.diagnostics.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/format",
        "/id",
        "/tiers/0/name/en",
        "/settings/moneyTenders/3",
        "/settings/points/valueFen",
        "/rules/1/event/params/percent",
        "/rules/2/scope",
        "/rules/3/conditions/all/0/operator",
      ]),
    );
    expect(result.diagnostics.every((d) => d.code === "schema" && d.severity === "error" && d.message.length > 0)).toBe(true);
    // An unknown key is reported on the object that holds it, and named in the message.
    expect(result.diagnostics.some((d) => d.path.endsWith("surplus") || d.message.includes("surplus"))).toBe(true);
    expect(result.diagnostics).toHaveLength(9);
  });

  it("fails with the lint errors of a schema-valid document, and keeps warnings on success", () => {
    const broken = shipped();
    broken.rules[1].conditions.all[0].fact = "memberTeir";
    const failed = parsePolicy(broken);
    expect(failed.ok).toBe(false);
    expect(failed.diagnostics).toEqual([expect.objectContaining({ code: "unknown_fact", path: "/rules/1/conditions/all/0/fact" })]);

    const warned = shipped();
    warned.conditions.unused = { all: [] };
    const ok = parsePolicy(warned);
    expect(ok.ok).toBe(true);
    expect(ok.diagnostics).toEqual([expect.objectContaining({ code: "unused_condition", severity: "warning", path: "/conditions/unused" })]);
  });
});

describe("policyJsonSchema", () => {
  it("is a JSON Schema document for policies that lists the facts", () => {
    const schema = policyJsonSchema();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(schema).toMatchObject({ type: "object", required: expect.arrayContaining(["format", "id", "version", "tiers", "settings", "rules"]) });
    expect(schema["x-facts"]).toContain("qualifyingSpend");
  });

  it.skipIf(Ajv === null)("validates the shipped policy and rejects a broken one", () => {
    const validate = new Ajv!({ strict: false, allErrors: true }).compile(policyJsonSchema());
    expect(validate(shipped())).toBe(true);
    expect(validate({ ...shipped(), format: 2 })).toBe(false);
  });
});
