/**
 * Runs generated source as the body of a function of one parameter and returns what it returns;
 * null where the runtime forbids generated code (a page's content security policy, which throws an
 * EvalError), so that the caller falls back on plain code. Any other error is a fault of the
 * generator and is thrown: a silent fallback would hide it behind slower, still correct, answers.
 */
export function runGenerated<T>(parameter: string, body: string, argument: unknown): T | null {
  let make: (argument: unknown) => T;
  try {
    make = new Function(parameter, body) as (argument: unknown) => T;
  } catch (error) {
    if (error instanceof EvalError) return null;
    throw error;
  }
  return make(argument);
}
