/**
 * The one way a fact path is read, shared by both evaluators: `$.name` and `$[index]` steps only,
 * so a policy can never reach code through a path expression.
 */

const STEP = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g;

/** Splits a validated path such as `$.a[0].b` into its steps. */
export function parseFactPath(path: string): (string | number)[] {
  const steps: (string | number)[] = [];
  for (const match of path.slice(1).matchAll(STEP)) steps.push(match[1] !== undefined ? match[1] : Number(match[2]));
  return steps;
}

/** Walks `steps` into `value`; a missing step gives undefined. */
export function readPath(value: unknown, steps: readonly (string | number)[]): unknown {
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== "object") return undefined;
    current = Object.prototype.hasOwnProperty.call(current, step) ? (current as Record<string | number, unknown>)[step] : undefined;
  }
  return current;
}

/** json-rules-engine's rule for paths: applied to objects only; any other value is passed through unchanged. */
export function resolveFactPath(factValue: unknown, steps: readonly (string | number)[]): unknown {
  return factValue !== null && typeof factValue === "object" ? readPath(factValue, steps) : factValue;
}
