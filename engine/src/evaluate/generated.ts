/**
 * Runs generated source as the body of a strict function in which `k0`, `k1`, … name the
 * `constants` in order, and returns what it returns; null where the runtime forbids generated code
 * (a page's content security policy, which throws an EvalError), so that the caller falls back on
 * plain code. Any other error is a fault of the generator and is thrown: a silent fallback would
 * hide it behind slower, still correct, answers.
 */
export function runGenerated<T>(constants: readonly unknown[], body: string): T | null {
  const names = constants.map((_, i) => `k${i}`).join(", ");
  let make: (constants: readonly unknown[]) => T;
  try {
    make = new Function("constants", `"use strict"; const [${names}] = constants; ${body}`) as (constants: readonly unknown[]) => T;
  } catch (error) {
    if (error instanceof EvalError) return null;
    throw error;
  }
  return make(constants);
}
