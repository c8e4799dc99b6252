/**
 * json-rules-engine's built-in operators and operator decorators, restated with the same
 * semantics (fact-value validators included) for the compiled evaluator and for traces.
 */

/** An operator: fact value and condition value in, boolean out. */
export type OperatorFn = (factValue: unknown, value: unknown) => boolean;

interface OperatorDef {
  cb: OperatorFn;
  accepts?: (factValue: unknown) => boolean;
}

const isNumeric = (v: unknown): boolean => Number.parseFloat(v as string).toString() !== "NaN";
const isArray = (v: unknown): boolean => Array.isArray(v);
// The engine calls indexOf on whatever it is given; a non-list value throws there, and we say false.
const indexOf = (list: unknown, item: unknown): number => (list != null && typeof (list as { indexOf?: unknown }).indexOf === "function" ? (list as unknown[]).indexOf(item) : Number.NaN);

const operators: Record<string, OperatorDef> = {
  equal: { cb: (a, b) => a === b },
  notEqual: { cb: (a, b) => a !== b },
  in: { cb: (a, b) => indexOf(b, a) > -1 },
  notIn: { cb: (a, b) => indexOf(b, a) === -1 },
  contains: { cb: (a, b) => indexOf(a, b) > -1, accepts: isArray },
  doesNotContain: { cb: (a, b) => indexOf(a, b) === -1, accepts: isArray },
  lessThan: { cb: (a, b) => (a as number) < (b as number), accepts: isNumeric },
  lessThanInclusive: { cb: (a, b) => (a as number) <= (b as number), accepts: isNumeric },
  greaterThan: { cb: (a, b) => (a as number) > (b as number), accepts: isNumeric },
  greaterThanInclusive: { cb: (a, b) => (a as number) >= (b as number), accepts: isNumeric },
};

type DecoratorCb = (factValue: unknown, value: unknown, next: OperatorFn) => boolean;
const decorators: Record<string, { cb: DecoratorCb; accepts?: (factValue: unknown) => boolean }> = {
  someFact: { cb: (f, v, next) => (f as unknown[]).some((x) => next(x, v)), accepts: isArray },
  someValue: { cb: (f, v, next) => (v as unknown[]).some((x) => next(f, x)) },
  everyFact: { cb: (f, v, next) => (f as unknown[]).every((x) => next(x, v)), accepts: isArray },
  everyValue: { cb: (f, v, next) => (v as unknown[]).every((x) => next(f, x)) },
  swap: { cb: (f, v, next) => next(v, f) },
  not: { cb: (f, v, next) => !next(f, v) },
};

/** The names of the built-in operators. */
export const operatorNames = Object.keys(operators);
/** The names of the built-in operator decorators (written `decorator:operator`). */
export const decoratorNames = Object.keys(decorators);

function guard(def: OperatorDef): OperatorFn {
  const { cb, accepts } = def;
  return accepts ? (f, v) => accepts(f) && cb(f, v) : cb;
}

/**
 * Resolves an operator name such as `greaterThan` or `not:someFact:equal` to a function,
 * or returns undefined when a part of it is unknown.
 */
export function resolveOperator(name: string): OperatorFn | undefined {
  const parts = name.split(":");
  const baseName = parts.pop() as string;
  // Own properties only: "toString" or "constructor" must not resolve through the prototype.
  const base = Object.hasOwn(operators, baseName) ? operators[baseName] : undefined;
  if (!base) return undefined;
  let fn = guard(base);
  for (let i = parts.length - 1; i >= 0; i--) {
    const decoratorName = parts[i] as string;
    const decorator = Object.hasOwn(decorators, decoratorName) ? decorators[decoratorName] : undefined;
    if (!decorator) return undefined;
    const next = fn;
    const { cb, accepts } = decorator;
    fn = accepts ? (f, v) => accepts(f) && cb(f, v, next) : (f, v) => cb(f, v, next);
  }
  return (f, v) => {
    try {
      return fn(f, v);
    } catch {
      // json-rules-engine rejects the run when an operator throws; lint refuses the operator and
      // value shapes that can throw, so a published policy never gets here.
      return false;
    }
  };
}
