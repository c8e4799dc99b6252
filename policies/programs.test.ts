/**
 * Every program in policies/: its shipped policy parses, its cases pass, they exercise every
 * scope the policy has rules in, and changing any number or listed value of the policy makes
 * at least one case fail (a mutation test).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { anyCaseFails, compilePolicy, createReferencePolicy, loadCases, parsePolicy, resultOf, runCase, type CompiledPolicy, type PolicyCase, type RuleScope } from "../engine/src/index";

function compile(doc: unknown): CompiledPolicy | null {
  const parsed = parsePolicy(doc);
  return parsed.ok ? compilePolicy(parsed.value) : null;
}

/** The case kinds that exercise each rule scope. */
const KIND_OF_SCOPE: Record<RuleScope, PolicyCase["kind"]> = {
  line: "sale",
  receipt: "sale",
  enrolment: "enrolment",
  "year-end": "year-end",
  lifecycle: "lifecycle",
  recharge: "recharge",
  redemption: "redemption",
};

/**
 * Mutants that cannot parse, by program: a format number, or a threshold doubled onto the next
 * tier's. Listed so that a mutant turning unparseable (and so escaping the cases) is noticed.
 */
const UNPARSEABLE: Record<string, string[]> = {
  beiguo: ["/format: 1 → 2", "/rules/20/event/params/minSpend: 500000 → 1000000"],
};

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
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key], inValue || key === "value" || key === "zoneGroups");
    }
  };
  walk(doc, [], false);
  const policy = doc as { settings: { moneyTenders: string[]; timezone: string }; rules: { event: { type: string; params: { flags?: string[] } } }[] };
  policy.settings.moneyTenders.forEach((tender, i) => add(["settings", "moneyTenders", i], tender, "coupon"));
  add(["settings", "timezone"], policy.settings.timezone, "UTC");
  policy.rules.forEach((rule, r) => rule.event.params.flags?.forEach((flag, f) => add(["rules", r, "event", "params", "flags", f], flag, `${flag}_mutated`)));
  return out;
}

const programs = readdirSync(new URL("./", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

it("ships every program of the sources", () => {
  expect(programs).toEqual(expect.arrayContaining(["beiguo"]));
});

describe.each(programs)("%s", (program) => {
  const read = (name: string) => JSON.parse(readFileSync(new URL(`./${program}/${name}`, import.meta.url), "utf8")) as unknown;
  const document = read("v1.json");
  const cases = loadCases(read("cases.json"));
  const shipped = compile(document);

  it("the shipped policy parses without a diagnostic", () => {
    expect(parsePolicy(document).diagnostics).toEqual([]);
  });

  it("has cases for every scope it has rules in", () => {
    const scopes = new Set(shipped!.policy.rules.map((rule) => rule.scope));
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...scopes].filter((scope) => !kinds.has(KIND_OF_SCOPE[scope]))).toEqual([]);
  });

  it.each(cases.map((c): [string, PolicyCase] => [c.name, c]))("%s", (_name, testCase) => {
    expect(runCase(shipped!, testCase)).toEqual([]);
  });

  it("decides every case the same with json-rules-engine as compiled, trace included", async () => {
    const reference = createReferencePolicy(shipped!.policy);
    for (const testCase of cases) expect(JSON.stringify(await resultOf(reference, testCase)), testCase.name).toBe(JSON.stringify(resultOf(shipped!, testCase)));
  });

  describe("mutation test: changing any number or listed value in the policy makes a case fail", () => {
    const mutants = mutantsOf(document as Json).map((m) => ({ ...m, compiled: compile(m.document) }));

    it("mutates every number, every condition value and every flag", () => {
      expect(mutants.length).toBeGreaterThan(shipped!.policy.rules.length);
    });

    it("only the known mutants fail to parse", () => {
      expect(mutants.filter((m) => m.compiled === null).map((m) => m.label)).toEqual(UNPARSEABLE[program] ?? ["/format: 1 → 2"]);
    });

    it("every parseable mutant is killed by at least one case", () => {
      const survivors = mutants.filter((m) => m.compiled !== null && !anyCaseFails(m.compiled, cases)).map((m) => m.label);
      expect(survivors).toEqual([]);
    });
  });
});
