import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { anyCaseFails, compilePolicy, loadCases, parsePolicy, runCase, type CompiledPolicy, type PolicyCase } from "../../engine/src/index";

const document = JSON.parse(readFileSync(new URL("./v1.json", import.meta.url), "utf8")) as unknown;
const cases = loadCases(JSON.parse(readFileSync(new URL("./cases.json", import.meta.url), "utf8")));

function compile(doc: unknown): CompiledPolicy | null {
  const parsed = parsePolicy(doc);
  return parsed.ok ? compilePolicy(parsed.value) : null;
}

const shipped = compile(document);

describe("beiguo v1 cases", () => {
  it("the shipped policy parses", () => {
    expect(parsePolicy(document).diagnostics).toEqual([]);
  });

  it("covers every kind of case", () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(["cycle", "enrolment", "expiry", "point-value", "sale"]);
  });

  it.each(cases.map((c): [string, PolicyCase] => [c.name, c]))("%s", (_name, testCase) => {
    expect(runCase(shipped!, testCase)).toEqual([]);
  });
});

/** One change to the policy document: where, what it was, what it became. */
interface Mutant {
  label: string;
  document: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function cloneWith(doc: Json, path: readonly (string | number)[], value: Json): Json {
  const copy = structuredClone(doc);
  let parent = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  parent[path[path.length - 1]!] = value;
  return copy;
}

function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${p}`).join("");
}

/**
 * Every mutant of the policy: each numeric leaf + 1 and × 2; each string or boolean compared
 * by a condition (list items included) replaced or flipped; each benefit flag, money tender
 * and the time zone replaced.
 */
function mutantsOf(doc: Json): Mutant[] {
  const out: Mutant[] = [];
  const add = (path: (string | number)[], from: Json, to: Json) => out.push({ label: `${pointer(path)}: ${JSON.stringify(from)} → ${JSON.stringify(to)}`, document: cloneWith(doc, path, to) });
  const walk = (node: Json, path: (string | number)[], inValue: boolean): void => {
    if (typeof node === "number") {
      const plusOne = node + 1;
      const doubled = node * 2;
      add(path, node, plusOne);
      if (doubled !== node && doubled !== plusOne) add(path, node, doubled);
    } else if (typeof node === "string") {
      if (inValue) add(path, node, `${node}-mutated`);
    } else if (typeof node === "boolean") {
      if (inValue) add(path, node, !node);
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, [...path, i], inValue));
    } else if (node !== null) {
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key], inValue || key === "value");
    }
  };
  walk(doc, [], false);
  const policy = doc as { settings: { moneyTenders: string[] }; rules: { event: { type: string; params: { flags?: string[] } } }[] };
  policy.settings.moneyTenders.forEach((tender, i) => add(["settings", "moneyTenders", i], tender, "coupon"));
  add(["settings", "timezone"], "Asia/Shanghai", "UTC");
  policy.rules.forEach((rule, r) => rule.event.params.flags?.forEach((flag, f) => add(["rules", r, "event", "params", "flags", f], flag, `${flag}_mutated`)));
  return out;
}

describe("beiguo v1 mutation test: changing any number or listed value in the policy makes a case fail", () => {
  const mutants = mutantsOf(document as Json).map((m) => ({ ...m, compiled: compile(m.document) }));
  const unparseable = mutants.filter((m) => m.compiled === null).map((m) => m.label);

  it("mutates every number, every condition value and every flag", () => {
    // 35 numbers (+1, and ×2 where that differs: 63), 33 condition strings and booleans, 3 tenders, the zone, 11 flags.
    expect(mutants.length).toBeGreaterThanOrEqual(110);
  });

  it("only a few mutants fail to parse (the format number, a threshold doubled onto the next tier's)", () => {
    expect(unparseable).toEqual(["/format: 1 → 2", "/rules/20/event/params/minSpend: 500000 → 1000000"]);
  });

  it("every parseable mutant is killed by at least one case", () => {
    const started = performance.now();
    const survivors = mutants.filter((m) => m.compiled !== null && !anyCaseFails(m.compiled, cases)).map((m) => m.label);
    expect(survivors).toEqual([]);
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
