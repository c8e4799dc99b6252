import { describe, expect, it } from "vitest";
import { programVersion, versionDetail } from "../test/factories";
import { DraftState } from "./draft.svelte";
import { valueAt } from "./json-text";

const silverFullPrice = (draft: DraftState) => draft.view!.tiers.find((t) => t.id === "silver")!.discounts.fullPrice!;

describe("DraftState", () => {
  it("derives the form view, diagnostics and case results from the text", () => {
    const draft = new DraftState(versionDetail(), true);
    expect(draft.editable).toBe(true);
    expect(draft.dirty).toBe(false);
    expect(draft.errorCount).toBe(0);
    expect(silverFullPrice(draft).value).toBe(5);
    // A draft is version 2: the cases that pin policy.version 1 fail until their results are accepted.
    expect(draft.caseRun.failed.length).toBeGreaterThan(0);
    expect(draft.caseRun.failed.every((f) => f.mismatches.every((m) => m.path === "policy.version"))).toBe(true);
  });

  it("changes one percent of the text, and the rule's name with it, leaving every other byte alone", () => {
    const draft = new DraftState(versionDetail(), true);
    const before = draft.text;
    expect(draft.setDiscount("silver", "fullPrice", 8)).toBe(true);
    expect(silverFullPrice(draft).value).toBe(8);
    expect(draft.text).toBe(before.replace('"percent": 5\n', '"percent": 8\n').replace('"zh": "银卡正价商品9.5折"', '"zh": "银卡正价商品9.2折"').replace('"en": "Silver: 5 % off full-price goods"', '"en": "Silver: 8 % off full-price goods"'));
    expect(draft.dirty).toBe(true);
  });

  it("adds a rule for an empty cell of the matrix", () => {
    const draft = new DraftState(versionDetail(), true);
    expect(draft.canAddDiscount("fullPrice")).toBe(true);
    expect(draft.setDiscount("guest", "fullPrice", 2)).toBe(true);
    expect(draft.view!.tiers[0]!.discounts.fullPrice?.value).toBe(2);
    expect(draft.errorCount).toBe(0);
  });

  it("lets the marketer accept the new results of the cases a change breaks", () => {
    const draft = new DraftState(versionDetail(), true);
    draft.setDiscount("silver", "fullPrice", 8);
    const broken = draft.caseRun.failed.flatMap((f) => f.mismatches).find((m) => m.path === "lines.0.discount" && m.expected === 500);
    expect(broken).toMatchObject({ expected: 500, actual: 800 });
    expect(draft.submittable).toBe(false);
    draft.acceptCaseResults();
    expect(draft.caseRun.failed).toEqual([]);
    expect(draft.submittable).toBe(true);
  });

  it("reports lint diagnostics with their pointers, and inline by field", () => {
    const draft = new DraftState(versionDetail(), true);
    draft.setText(draft.text.replace('"fact": "lineBrand"', '"fact": "lineBrandz"'));
    expect(draft.diagnostics).toContainEqual(expect.objectContaining({ code: "unknown_fact", severity: "error", path: "/conditions/full-price-goods/all/2/fact" }));
    // Three rules use the named condition; the engine reports it for each, the editor once.
    expect(draft.diagnosticsAt("/conditions/full-price-goods")).toHaveLength(1);
    expect(draft.policy).toBeNull();
    expect(draft.view).not.toBeNull();
  });

  it("follows JSON typing at once in diagnostics, and in cases once the typing settles", () => {
    const draft = new DraftState(versionDetail(), true);
    draft.acceptCaseResults();
    expect(draft.caseRun.failed).toEqual([]);
    draft.setText(draft.text.replace('"percent": 5\n', '"percent": 8\n'));
    expect(draft.view!.tiers[1]!.discounts.fullPrice!.value).toBe(8);
    expect(draft.caseRun.failed).toEqual([]);
    expect(draft.submittable).toBe(false);
    draft.settle();
    expect(draft.caseRun.failed.length).toBeGreaterThan(0);
  });

  it("keeps a syntax error as one diagnostic and no form view", () => {
    const draft = new DraftState(versionDetail(), true);
    draft.setText("{ broken");
    expect(draft.view).toBeNull();
    expect(draft.diagnostics).toEqual([expect.objectContaining({ code: "json", severity: "error" })]);
    expect(draft.content()).toBeNull();
  });

  it("sets amounts typed in yuan as fen", () => {
    const draft = new DraftState(versionDetail(), true);
    const entry = draft.view!.tiers.find((t) => t.id === "silver")!.entry!;
    expect(draft.setYuan(entry.pointer, "4,800", true)).toBe(true);
    expect(valueAt(draft.json.ok ? draft.json.value : null, entry.pointer)).toBe(480_000);
    expect(draft.text).toContain("当日百货类现金消费满4800元办理VIP银卡");
    expect(draft.setYuan(entry.pointer, "abc")).toBe(false);
  });

  it("never changes a version that is not an editable draft", () => {
    const published = new DraftState(versionDetail({ status: "published", version: 1 }), true);
    const readOnly = new DraftState(versionDetail(), false);
    for (const draft of [published, readOnly]) {
      const text = draft.text;
      expect(draft.editable).toBe(false);
      expect(draft.setDiscount("silver", "fullPrice", 8)).toBe(false);
      draft.setText("{}");
      draft.acceptCaseResults();
      expect(draft.text).toBe(text);
    }
  });

  it("reverts to what was saved, and markSaved makes the current content the saved one", () => {
    const draft = new DraftState(versionDetail(), true);
    const original = draft.text;
    draft.setDiscount("silver", "fullPrice", 8);
    draft.revert();
    expect(draft.text).toBe(original);
    expect(draft.dirty).toBe(false);
    draft.setDiscount("silver", "fullPrice", 8);
    draft.markSaved(null);
    expect(draft.dirty).toBe(false);
  });

  it("previews the cost of a change against its baseline", () => {
    const draft = new DraftState(versionDetail(), true);
    expect(draft.preview).toBeNull();
    draft.setBaseline(versionDetail({ version: 1 }).document, 1);
    expect(draft.preview!.delta.discount).toBe(0);
    draft.setDiscount("silver", "fullPrice", 8);
    expect(draft.preview!.delta.discount).toBeGreaterThan(0);
  });
});

/** The pointers of every leaf that differs between two JSON values. */
function changedPointers(before: unknown, after: unknown, at = ""): string[] {
  if (before !== null && after !== null && typeof before === "object" && typeof after === "object") {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => changedPointers((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], `${at}/${k}`));
  }
  return before === after ? [] : [at];
}

describe("DraftState edits of the supreme club, card rules, gifts and recharge plans", () => {
  /** Applies one edit to a fresh draft of a program; answers the pointers it changed and the draft. */
  function edit(program: Parameters<typeof programVersion>[0], change: (draft: DraftState) => boolean) {
    const draft = new DraftState(programVersion(program), true);
    const before = JSON.parse(draft.text) as unknown;
    expect(change(draft)).toBe(true);
    expect(draft.dirty).toBe(true);
    return { draft, changed: changedPointers(before, JSON.parse(draft.text)) };
  }

  it("sets the one-year grant threshold, typed in yuan, and nothing else", () => {
    const { draft, changed } = edit("beiguo", (d) => d.setYuan(d.view!.supreme[1]!.thresholds[0]!.pointer, "250,000"));
    expect(changed).toEqual(["/rules/25/conditions/all/1/value"]);
    expect(draft.view!.supreme[1]!.thresholds[0]!.value).toBe(25_000_000);
    expect(draft.errorCount).toBe(0);
  });

  it("sets the year-end reward points, and the rule's name that states them", () => {
    const { draft, changed } = edit("beiguo", (d) => d.setNumber(d.view!.supreme[3]!.params[0]!.pointer, 25_000, "points"));
    expect(changed).toEqual(["/rules/27/name/zh", "/rules/27/name/en", "/rules/27/event/params/points"]);
    expect(draft.view!.supreme[3]!.name).toEqual({ zh: "年底累计消费奖励:年度消费超过二十万元的至尊VIP奖励积分25000分", en: "Year-end reward: 25,000 points for a supreme member who spent more than 200,000 yuan" });
  });

  it("sets the months to dormant in the named condition every card rule shares", () => {
    const { draft, changed } = edit("beiguo", (d) => d.setNumber(d.view!.hygiene!.dormant!.pointer, 18));
    expect(changed).toEqual(["/conditions/silent-12-months/all/0/value"]);
    expect(draft.view!.hygiene!.dormant!.value).toBe(18);
  });

  it("sets a gift's catalog points and its supreme price", () => {
    const catalog = edit("beiguo", (d) => d.setNumber(d.view!.gifts[1]!.points!.pointer, 9000));
    expect(catalog.changed).toEqual(["/gifts/1/points"]);
    const supreme = edit("beiguo", (d) => d.setNumber(d.view!.gifts[1]!.prices[0]!.points.pointer, 5500));
    expect(supreme.changed).toEqual(["/rules/29/event/params/points"]);
    expect(supreme.draft.view!.gifts[1]!.prices[0]!.points.value).toBe(5500);
  });

  it("sets a stored-value plan's discount with its name, and a recharge's bonus points", () => {
    const plan = edit("stored-value", (d) => d.setNumber(d.view!.recharges[3]!.plan!.discount!.pointer, 15, "percent"));
    expect(plan.changed).toEqual(["/rules/2/name/zh", "/rules/2/name/en", "/rules/2/event/params/percent"]);
    expect(plan.draft.view!.recharges[3]!.plan!.discount!.value).toBe(15);
    expect(plan.draft.text).toContain("充值5000元方案:储值卡付款全场8.5折");
    const points = edit("stored-value", (d) => d.setNumber(d.view!.recharges[0]!.params[0]!.pointer, 3500, "points"));
    expect(points.changed).toEqual(["/rules/5/name/zh", "/rules/5/name/en", "/rules/5/event/params/points"]);
  });

  it("sets the café's bonus credit typed in yuan", () => {
    const { draft, changed } = edit("netcafe", (d) => d.setYuan(d.view!.recharges[0]!.params[1]!.pointer, "90"));
    expect(changed).toEqual(["/rules/3/event/params/creditPerStep"]);
    expect(draft.view!.recharges[0]!.params[1]!.value).toBe(9_000);
  });
});
