/** Where and why a value cannot travel as JSON. */
export interface JsonProblem {
  readonly path: string;
  readonly reason: string;
}

/**
 * Finds the first part of `value` that JSON would lose or mangle: functions,
 * symbols, BigInt, non-finite numbers, class instances other than Date, cycles.
 * `undefined` object properties are allowed (JSON drops them, as callers expect).
 * Runs on every enqueue and every result: it allocates nothing for a value that passes
 * (the path is written only for a problem).
 */
export function findJsonProblem(value: unknown, path = '$'): JsonProblem | null {
  const trail: Array<string | number> = typeof value === 'object' && value !== null ? [] : NO_STEPS;
  const reason = walk(value, trail, undefined);
  return reason === null ? null : { path: pathOf(path, trail), reason };
}

/** The first argument of `args` that cannot travel as JSON: its index, and where in it (`args[i]…`). */
export function findArgumentProblem(args: readonly unknown[]): (JsonProblem & { index: number }) | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const trail: Array<string | number> = typeof arg === 'object' && arg !== null ? [] : NO_STEPS;
    const reason = walk(arg, trail, undefined);
    if (reason !== null) return { index: i, path: pathOf(`args[${i}]`, trail), reason };
  }
  return null;
}

/** The trail of a primitive: walk never adds a step to it. */
const NO_STEPS: Array<string | number> = [];

function pathOf(root: string, trail: ReadonlyArray<string | number>): string {
  let path = root;
  for (const step of trail) path += typeof step === 'number' ? `[${step}]` : `.${step}`;
  return path;
}

/** Why `value` cannot travel as JSON, or null; on a problem, `trail` holds the steps to it. */
function walk(value: unknown, trail: Array<string | number>, seen: Set<object> | undefined): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${value} is not a finite number`;
    case 'bigint':
      return 'BigInt has no JSON form (pass it as a string)';
    case 'function':
      return `a function (${value.name || 'anonymous'}) cannot be serialized`;
    case 'symbol':
      return 'a symbol cannot be serialized';
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'an invalid Date' : null;
  if (seen?.has(object)) return 'a circular reference';
  if (Array.isArray(object)) {
    seen ??= new Set();
    seen.add(object);
    for (let i = 0; i < object.length; i++) {
      trail.push(i);
      const reason = walk(object[i], trail, seen);
      if (reason !== null) return reason;
      trail.pop();
    }
    seen.delete(object);
    return null;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
    return `an instance of ${name} (pass plain data, such as an id)`;
  }
  seen ??= new Set();
  seen.add(object);
  for (const key in object) {
    if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
    trail.push(key);
    const reason = walk((object as Record<string, unknown>)[key], trail, seen);
    if (reason !== null) return reason;
    trail.pop();
  }
  seen.delete(object);
  return null;
}
