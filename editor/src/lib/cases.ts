/**
 * A version's cases run in the browser against the draft, and the marketer's way to take a
 * change's new results as the cases' expectations.
 */
import { compilePolicy, loadCases, runCase, type Mismatch, type Policy } from "../../../engine/src/index";

/** A case whose expectations the draft does not meet. */
export interface CaseFailure {
  name: string;
  mismatches: Mismatch[];
}

/** How the cases fare: their number, the failures, or why they could not be read. */
export interface CaseRun {
  total: number;
  failed: CaseFailure[];
  error: string | null;
}

/** Runs every case against a lint-clean policy (no policy: nothing can run). */
export function runCases(policy: Policy | null, cases: unknown): CaseRun {
  let list;
  try {
    list = loadCases(cases ?? []);
  } catch (error) {
    return { total: Array.isArray(cases) ? cases.length : 0, failed: [], error: error instanceof Error ? error.message : String(error) };
  }
  if (!policy) return { total: list.length, failed: [], error: null };
  const compiled = compilePolicy(policy);
  const failed: CaseFailure[] = [];
  for (const c of list) {
    const mismatches = runCase(compiled, c);
    if (mismatches.length > 0) failed.push({ name: c.name, mismatches });
  }
  return { total: list.length, failed, error: null };
}

const MISSING = "<missing>";

/**
 * The cases with the failures' actual values written in as expectations (all failing cases, or
 * only those named). A path whose result no longer exists is dropped, unless it is the case's
 * only expectation. Other cases and other paths are left exactly as they were.
 */
export function acceptResults(cases: readonly unknown[], failures: readonly CaseFailure[], names?: readonly string[]): unknown[] {
  const chosen = new Map(failures.filter((f) => !names || names.includes(f.name)).map((f) => [f.name, f]));
  return cases.map((c) => {
    if (!c || typeof c !== "object") return c;
    const record = c as { name?: unknown; expect?: Record<string, unknown> };
    const failure = typeof record.name === "string" ? chosen.get(record.name) : undefined;
    if (!failure || !record.expect) return c;
    const expect = { ...record.expect };
    for (const m of failure.mismatches) {
      if (m.path === "(error)") continue;
      if (m.actual === MISSING) {
        if (Object.keys(expect).length > 1) delete expect[m.path];
      } else expect[m.path] = m.actual;
    }
    return { ...record, expect };
  });
}
