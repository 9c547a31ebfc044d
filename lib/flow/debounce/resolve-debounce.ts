import { TaskConfigError } from '../../errors';
import type { DebounceWindow } from '../../broker/ports/message-queue';
import type { DebounceOptions, DebounceTaskOptions } from '../../config/debounce-options';
import { assertDebounceKey } from '../../config/validate-debounce';

/** The call options that bear on debounce. */
export interface DebounceCall {
  debounce?: DebounceOptions;
  taskId?: string;
  countdown?: number;
  eta?: unknown;
  uniqueKey?: string;
  shardKey?: string;
}

/** The call options debounce cannot be combined with, and why. */
const EXCLUSIVE: ReadonlyArray<[keyof DebounceCall, string]> = [
  ['countdown', 'debounce sets when the task runs'],
  ['eta', 'debounce sets when the task runs'],
  ['uniqueKey', 'a debounced task already runs once per key'],
  ['shardKey', 'the debounce key picks the shard'],
];

/**
 * The debounce window of a call (the call's `debounce`, else the task's), or undefined.
 * Throws TaskConfigError for what cannot be combined with it. A call's `delay` or
 * `maxWait` replaces the task's timing (a missing delay is the task's, a missing maxWait
 * none); a call with neither takes the task's. A call that names its own `taskId`
 * (workflow steps, beat ticks) is not debounced by the task's options, and may not ask
 * for debounce itself.
 */
export function resolveDebounce(name: string, task: { debounce?: DebounceTaskOptions; unique?: unknown }, args: unknown[], call: DebounceCall): DebounceWindow | undefined {
  const own = call.debounce;
  if (own === undefined && (task.debounce === undefined || call.taskId !== undefined)) return undefined;
  const where = own !== undefined ? 'debounce' : `@Task(${name}).debounce`;
  if (own !== undefined && call.taskId !== undefined) {
    throw new TaskConfigError('taskId', call.taskId, 'no taskId with debounce: the calls of one window share the id of its first call');
  }
  for (const [option, why] of EXCLUSIVE) {
    if (call[option] !== undefined) throw new TaskConfigError(option, call[option], `nothing with ${where} (${why})`);
  }
  if (task.unique !== undefined) {
    throw new TaskConfigError(where, own ?? task.debounce, `no debounce on the unique task ${name}`);
  }
  const key = own?.key ?? keyOf(name, task.debounce!, args);
  const delay = own?.delay ?? task.debounce?.delay;
  if (delay === undefined) {
    throw new TaskConfigError('debounce.delay', undefined, `a positive number of milliseconds (${name} has no @Task debounce delay)`);
  }
  const ownTiming = own !== undefined && (own.delay !== undefined || own.maxWait !== undefined);
  const maxWait = ownTiming ? own.maxWait : task.debounce?.maxWait;
  if (maxWait !== undefined && maxWait < delay) {
    throw new TaskConfigError('debounce.maxWait', maxWait, `a number of milliseconds >= delay (${delay})`);
  }
  const window: DebounceWindow = { key: `${name}:${key}`, delay };
  if (maxWait !== undefined) window.maxWait = maxWait;
  return window;
}

function keyOf(name: string, debounce: DebounceTaskOptions, args: unknown[]): string {
  let key: unknown;
  try {
    key = debounce.key(...args);
  } catch (error) {
    throw new TaskConfigError(`@Task(${name}).debounce.key`, args, `a function that returns a key for these arguments (it threw ${String(error)})`);
  }
  assertDebounceKey(`@Task(${name}).debounce.key`, key);
  return key;
}
