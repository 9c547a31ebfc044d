/**
 * Shape checks of the workflow fields of a decoded message (link, linkError,
 * chain, chord). A message that fails them is dead-lettered with the reason.
 */

const MAX_DEPTH = 64;

type Problem = string | null;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const isId = (value: unknown): boolean => typeof value === 'string' && value !== '';

const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** The first problem in the workflow fields of message `m`, or null. */
export function findWorkflowProblem(m: Record<string, unknown>): Problem {
  return (
    specList(m.link, 'link', 0, true) ??
    specList(m.linkError, 'linkError', 0, true) ??
    specList(m.chain, 'chain', 0, false) ??
    (m.chord === undefined ? null : chordRef(m.chord, 'chord', 0))
  );
}

/** `groups`: a plain group may stand here (callbacks); anywhere else a workflow has one result. */
function specList(value: unknown, path: string, depth: number, groups: boolean): Problem {
  if (value === undefined) return null;
  if (!Array.isArray(value)) return `${path} is not an array`;
  for (let i = 0; i < value.length; i++) {
    const problem = spec(value[i], `${path}[${i}]`, depth + 1, groups);
    if (problem) return problem;
  }
  return null;
}

function spec(value: unknown, path: string, depth: number, groups = false): Problem {
  if (depth > MAX_DEPTH) return `${path}: workflow nested deeper than ${MAX_DEPTH}`;
  if (!isObject(value)) return `${path} is not an object`;
  switch (value.kind) {
    case 'task':
      if (!isId(value.id)) return `${path}.id is missing`;
      if (!isId(value.task)) return `${path}.task is missing`;
      if (!Array.isArray(value.args)) return `${path}.args is not an array`;
      if (value.options !== undefined && !isObject(value.options)) return `${path}.options is not an object`;
      if (value.taskOptions !== undefined && !isObject(value.taskOptions)) return `${path}.taskOptions is not an object`;
      return specList(value.link, `${path}.link`, depth, true) ?? specList(value.linkError, `${path}.linkError`, depth, true);
    case 'chain':
      if (!Array.isArray(value.steps) || value.steps.length === 0) return `${path}.steps is not a non-empty array`;
      return specList(value.steps, `${path}.steps`, depth, false);
    case 'group':
      if (!groups) return `${path} is a group where one result is needed`;
      if (!isId(value.id)) return `${path}.id is missing`;
      return Array.isArray(value.members) ? specList(value.members, `${path}.members`, depth, false) : `${path}.members is not an array`;
    case 'chord':
      if (!isId(value.id)) return `${path}.id is missing`;
      if (!Array.isArray(value.header)) return `${path}.header is not an array`;
      return specList(value.header, `${path}.header`, depth, false) ?? spec(value.body, `${path}.body`, depth + 1);
    case 'collect':
      return isId(value.id) ? null : `${path}.id is missing`;
    default:
      return `${path}.kind ${JSON.stringify(value.kind)} is not a workflow step`;
  }
}

function chordRef(value: unknown, path: string, depth: number): Problem {
  if (depth > MAX_DEPTH) return `${path}: chords nested deeper than ${MAX_DEPTH}`;
  if (!isObject(value)) return `${path} is not an object`;
  if (!isId(value.id)) return `${path}.id is missing`;
  if (!isCount(value.size) || (value.size as number) < 1) return `${path}.size is not a positive integer`;
  if (!isCount(value.index) || (value.index as number) >= (value.size as number)) return `${path}.index is not an integer below size`;
  const body = spec(value.body, `${path}.body`, depth + 1);
  if (body) return body;
  if (value.then === undefined) return null;
  if (!isObject(value.then)) return `${path}.then is not an object`;
  return (
    specList(value.then.chain, `${path}.then.chain`, depth, false) ??
    (value.then.chord === undefined ? null : chordRef(value.then.chord, `${path}.then.chord`, depth + 1))
  );
}
