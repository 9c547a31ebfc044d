import { PERIODIC_METADATA } from '../constants';
import { TaskConfigError } from '../errors';
import { assertScheduleName, validateScheduleOptions, validateTiming } from '../config/schedules/resolve-schedule';
import type { CatchUpMode } from '../config/schedules/schedule-definition';
import { getTaskMetadata, Task } from './task.decorator';

/** Options of `@Periodic`. */
export interface PeriodicOptions {
  /** Schedule name; default: the task's name. Needed to put two schedules on one method. */
  name?: string;
  /** IANA time zone of a cron expression. Default `'UTC'`. */
  tz?: string;
  /** Arguments of each run (JSON). */
  args?: unknown[];
  /** Queue to send to; default: the task's routing. */
  queue?: string;
  /** Ticks missed during an outage: `'last'` (default) once, `'none'` skipped, `'all'` each. */
  catchUp?: CatchUpMode;
  /** Default `true`; `TaskScheduler.enable()` / `disable()` switch it at runtime. */
  enabled?: boolean;
}

/** `@Periodic({ every: 300_000 })`: every so many ms (at least 1000). */
export interface PeriodicEveryOptions extends Omit<PeriodicOptions, 'tz'> {
  every: number;
  cron?: never;
}

/** `@Periodic({ cron: '0 3 * * *', tz })`, the same as `@Periodic('0 3 * * *', { tz })`. */
export interface PeriodicCronOptions extends PeriodicOptions {
  cron: string;
  every?: never;
}

/** One `@Periodic` on a method. */
export interface PeriodicMetadata {
  readonly cron?: string;
  readonly every?: number;
  readonly options: PeriodicOptions;
  /** `@Periodic(Class.method)`, for messages. */
  readonly where: string;
}

/**
 * Runs a task method on a schedule: a cron expression (5 fields, or 6 with seconds
 * first; `tz` defaults to UTC) or `{ every: ms }`. Implies `@Task()` when the method has
 * none; either order of the two decorators works. The expression and time zone are
 * checked here, when the class is defined.
 */
export function Periodic(cron: string, options?: PeriodicOptions): MethodDecorator;
export function Periodic(options: PeriodicEveryOptions | PeriodicCronOptions): MethodDecorator;
export function Periodic(first: string | PeriodicEveryOptions | PeriodicCronOptions, second: PeriodicOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const className = typeof target === 'function' ? target.name : target.constructor.name;
    const where = `@Periodic(${className}.${String(propertyKey)})`;
    if (typeof descriptor.value !== 'function') throw new TaskConfigError(where, descriptor.value, 'a method');
    const metadata = toMetadata(first, second, where);
    if (!getTaskMetadata(descriptor.value)) Task()(target, propertyKey, descriptor as unknown as TypedPropertyDescriptor<(...args: unknown[]) => unknown>);
    const existing = getPeriodicMetadata(descriptor.value);
    Reflect.defineMetadata(PERIODIC_METADATA, [...existing, metadata], descriptor.value);
    return descriptor;
  };
}

/** The `@Periodic` schedules of a method (empty when it has none). */
export function getPeriodicMetadata(method: unknown): readonly PeriodicMetadata[] {
  return (typeof method === 'function' && (Reflect.getMetadata(PERIODIC_METADATA, method) as PeriodicMetadata[] | undefined)) || [];
}

function toMetadata(first: unknown, second: unknown, where: string): PeriodicMetadata {
  const fromString = typeof first === 'string';
  const raw = fromString ? second : first;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TaskConfigError(where, raw, fromString ? 'an options object' : "a cron expression, or { every: ms } or { cron }");
  }
  const merged: Record<string, unknown> = { ...(raw as Record<string, unknown>), ...(fromString ? { cron: first } : {}) };
  const { cron, every, ...options } = merged;
  if (fromString && (raw as Record<string, unknown>).every !== undefined) {
    throw new TaskConfigError(`${where}.every`, (raw as Record<string, unknown>).every, 'no every next to a cron expression');
  }
  if (options.name !== undefined) assertScheduleName(options.name, `${where}.name`);
  validateScheduleOptions(options, where);
  validateTiming({ cron, every, tz: options.tz }, String(options.name ?? where), where);
  const known = new Set(['name', 'tz', 'args', 'queue', 'catchUp', 'enabled']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TaskConfigError(`${where}.${key}`, options[key], `a known option (${[...known].join(', ')}, cron, every)`);
  }
  return {
    ...(cron !== undefined ? { cron: cron as string } : { every: every as number }),
    options: options as PeriodicOptions,
    where,
  };
}
