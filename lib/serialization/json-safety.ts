/** Where and why a value cannot travel as JSON. */
export interface JsonProblem {
  readonly path: string;
  readonly reason: string;
}

/**
 * Finds the first part of `value` that JSON would lose or mangle: functions,
 * symbols, BigInt, non-finite numbers, class instances other than Date, cycles.
 * `undefined` object properties are allowed (JSON drops them, as callers expect).
 */
export function findJsonProblem(value: unknown, path = '$'): JsonProblem | null {
  return walk(value, path, new Set());
}

function walk(value: unknown, path: string, seen: Set<object>): JsonProblem | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { path, reason: `${value} is not a finite number` };
    case 'bigint':
      return { path, reason: 'BigInt has no JSON form (pass it as a string)' };
    case 'function':
      return { path, reason: `a function (${value.name || 'anonymous'}) cannot be serialized` };
    case 'symbol':
      return { path, reason: 'a symbol cannot be serialized' };
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) {
    return Number.isNaN(object.getTime()) ? { path, reason: 'an invalid Date' } : null;
  }
  if (seen.has(object)) return { path, reason: 'a circular reference' };
  if (Array.isArray(object)) {
    seen.add(object);
    for (let i = 0; i < object.length; i++) {
      const problem = walk(object[i], `${path}[${i}]`, seen);
      if (problem) return problem;
    }
    seen.delete(object);
    return null;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
    return { path, reason: `an instance of ${name} (pass plain data, such as an id)` };
  }
  seen.add(object);
  for (const key of Object.keys(object)) {
    const problem = walk((object as Record<string, unknown>)[key], `${path}.${key}`, seen);
    if (problem) return problem;
  }
  seen.delete(object);
  return null;
}
