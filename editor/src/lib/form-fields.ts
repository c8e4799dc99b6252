/**
 * The labelled numbers of the form's rule sections (supreme club, card rules, recharge plans):
 * what a rule's conditions compare and what its effect gives, each named in the current language.
 */
import type { Locale } from "./i18n.svelte";
import { zh, type MessageKey } from "./messages";
import type { Hygiene, Located, ParamField, RenameKind, Threshold } from "./program-view";

/** One number of a section: its label, where it is, how it is typed, and how a rule's name follows it. */
export interface NumberSpec {
  label: string;
  located: Located<number>;
  unit: "yuan" | "number";
  rename?: RenameKind;
}

const inYuan = (locale: Locale, money: boolean) => (money ? locale.t("form.inYuan") : "");

/** A rule's thresholds, labelled by fact and operator: "年度消费 大于等于(元)". */
export function thresholdSpecs(locale: Locale, thresholds: readonly Threshold[]): NumberSpec[] {
  return thresholds.map((t) => ({ label: `${locale.fact(t.fact)} ${locale.operator(t.operator)}${inYuan(locale, t.money)}`, located: t, unit: t.money ? "yuan" : "number" }));
}

/** An effect's numbers, labelled by param; a rule named after its points ("赠积分3000分") is renamed with them. */
export function paramSpecs(locale: Locale, params: readonly ParamField[]): NumberSpec[] {
  return params.map((p) => {
    const key = `form.param.${p.key}`;
    const label = key in zh ? locale.t(key as MessageKey) : p.key;
    return { label, located: p, unit: p.money ? "yuan" : "number", ...(p.key === "points" ? { rename: "points" as const } : {}) };
  });
}

/** The card rules' months of silence, labelled: to dormant, to cancelled (those the program has). */
export function hygieneSpecs(locale: Locale, hygiene: Hygiene): NumberSpec[] {
  const months = (label: MessageKey, located: Threshold | null): NumberSpec[] => (located ? [{ label: locale.t(label), located, unit: "number" }] : []);
  return [...months("form.hygiene.dormant", hygiene.dormant), ...months("form.hygiene.cancelled", hygiene.cancelled)];
}
