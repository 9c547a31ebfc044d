import { InvalidScheduleError, TaskConfigError } from '../../errors';
import { findJsonProblem } from '../../serialization/json-safety';
import { assertBoolean, assertQueueName } from '../../utils/validate';
import { CATCH_UP_MODES, type ScheduleDefinition, type ScheduleSource } from './schedule-definition';
import { cronTiming, intervalTiming } from './schedule-timing';

/** Longest schedule name: it goes into each tick's task id (at most 200 characters). */
const MAX_NAME = 150;
const ENTRY_KEYS = new Set(['name', 'task', 'args', 'cron', 'tz', 'every', 'queue', 'catchUp', 'enabled']);

/** Options a schedule shares with `@Periodic` (everything but when and which task). */
export interface ScheduleOptionsInput {
  args?: unknown;
  queue?: unknown;
  catchUp?: unknown;
  enabled?: unknown;
  tz?: unknown;
}

/** Validates the options shared by every way of declaring a schedule; `where` prefixes option names. */
export function validateScheduleOptions(options: ScheduleOptionsInput, where: string): void {
  if (options.args !== undefined) {
    if (!Array.isArray(options.args)) throw new TaskConfigError(`${where}.args`, options.args, 'an array of arguments');
    const problem = findJsonProblem(options.args, 'args');
    if (problem) throw new TaskConfigError(`${where}.${problem.path}`, options.args, `JSON-safe arguments (${problem.reason})`);
  }
  assertQueueName(`${where}.queue`, options.queue);
  if (options.catchUp !== undefined && !CATCH_UP_MODES.includes(options.catchUp as never)) {
    throw new TaskConfigError(`${where}.catchUp`, options.catchUp, `one of ${CATCH_UP_MODES.map((m) => `'${m}'`).join(', ')}`);
  }
  assertBoolean(`${where}.enabled`, options.enabled);
}

/** Validates when a schedule fires: exactly one of `cron` (with an optional `tz`) and `every`. */
export function validateTiming(entry: { cron?: unknown; every?: unknown; tz?: unknown }, seed: string, where: string): void {
  if (entry.cron !== undefined && entry.every !== undefined) {
    throw new InvalidScheduleError(where, `cron '${String(entry.cron)}' and every ${String(entry.every)}`, 'give either cron or every, not both');
  }
  if (entry.cron !== undefined) {
    cronTiming(entry.cron, entry.tz, seed, where);
  } else if (entry.every !== undefined) {
    if (entry.tz !== undefined) {
      throw new InvalidScheduleError(where, `every ${String(entry.every)}`, 'tz applies to cron schedules only');
    }
    intervalTiming(entry.every, where);
  } else {
    throw new InvalidScheduleError(where, '(none)', 'give a cron expression or every: <ms>');
  }
}

export function assertScheduleName(name: unknown, option: string): asserts name is string {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME || /[\u0000-\u001f]/.test(name)) {
    throw new TaskConfigError(option, name, `a schedule name of 1 to ${MAX_NAME} printable characters`);
  }
}

/**
 * Validates a schedule entry (from `forRoot`, `add()`, the store or `@Periodic`) and fills
 * in its defaults. Throws InvalidScheduleError for the timing, TaskConfigError otherwise.
 */
export function resolveSchedule(entry: unknown, source: ScheduleSource, where: string): ScheduleDefinition {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new TaskConfigError(where, entry, '{ name, task, cron | every, ... }');
  }
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!ENTRY_KEYS.has(key)) throw new TaskConfigError(`${where}.${key}`, e[key], `a known option (${[...ENTRY_KEYS].join(', ')})`);
  }
  assertScheduleName(e.name, `${where}.name`);
  if (typeof e.task !== 'string' || e.task.trim() === '') {
    throw new TaskConfigError(`${where}.task`, e.task, "a task name such as 'MaintenanceTasks.cleanup'");
  }
  validateScheduleOptions(e, where);
  validateTiming(e, e.name, where);
  const definition: ScheduleDefinition = {
    name: e.name,
    task: e.task,
    args: (e.args as unknown[] | undefined) ?? [],
    ...(e.cron !== undefined ? { cron: (e.cron as string).trim(), tz: (e.tz as string | undefined) ?? 'UTC' } : { every: e.every as number }),
    ...(e.queue !== undefined ? { queue: e.queue as string } : {}),
    catchUp: (e.catchUp as ScheduleDefinition['catchUp'] | undefined) ?? 'last',
    enabled: (e.enabled as boolean | undefined) ?? true,
    source,
    declaredAt: where,
  };
  return definition;
}

/** The JSON a dynamic schedule is stored as (no source or declaration site). */
export function toStoredEntry(definition: ScheduleDefinition): Record<string, unknown> {
  const { source: _source, declaredAt: _declaredAt, ...rest } = definition;
  return rest;
}
