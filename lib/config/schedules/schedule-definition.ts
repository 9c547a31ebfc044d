/**
 * What happens to ticks that came due while no scheduler ran (an outage longer than
 * `misfireGrace`): `'last'` sends the most recent one once, `'none'` skips them,
 * `'all'` sends each of them. Ticks late by less than `misfireGrace` (a leader
 * change, a slow event loop) are always sent.
 */
export type CatchUpMode = 'last' | 'none' | 'all';

export const CATCH_UP_MODES: readonly CatchUpMode[] = ['last', 'none', 'all'];

interface ScheduleEntryBase {
  /** Unique name of the schedule (it is part of each tick's task id). */
  name: string;
  /** Name of the task to send, e.g. `'MaintenanceTasks.cleanup'`. */
  task: string;
  /** Arguments of each run (JSON). Default `[]`. */
  args?: unknown[];
  /** Queue to send to; default: the task's routing. */
  queue?: string;
  /** Default `'last'`. */
  catchUp?: CatchUpMode;
  /** Default `true`. */
  enabled?: boolean;
}

/** A cron schedule: 5 fields, or 6 with seconds first; `tz` is an IANA time zone, default `'UTC'`. */
export interface CronScheduleEntry extends ScheduleEntryBase {
  cron: string;
  tz?: string;
  every?: never;
}

/** An interval schedule: every `every` ms (at least 1000), keeping its phase across restarts. */
export interface IntervalScheduleEntry extends ScheduleEntryBase {
  every: number;
  cron?: never;
  tz?: never;
}

/** A schedule as `forRoot({ beat: { schedule } })` and `TaskScheduler.add()` take it. */
export type ScheduleEntry = CronScheduleEntry | IntervalScheduleEntry;

/** Where a schedule was declared: in code (`@Periodic`, `forRoot`) or at runtime (`add()`). */
export type ScheduleSource = 'decorator' | 'config' | 'dynamic';

/** A validated schedule with its defaults filled in. */
export interface ScheduleDefinition {
  readonly name: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly cron?: string;
  /** Set for cron schedules (default `'UTC'`). */
  readonly tz?: string;
  readonly every?: number;
  readonly queue?: string;
  readonly catchUp: CatchUpMode;
  readonly enabled: boolean;
  readonly source: ScheduleSource;
  /** For messages: `@Periodic(Tasks.cleanup)`, `beat.schedule[0]`, `TaskScheduler.add`. */
  readonly declaredAt: string;
}

/** A schedule as `TaskScheduler.list()` reports it: its definition with its last and next run. */
export interface ScheduleInfo extends Omit<ScheduleDefinition, 'declaredAt'> {
  /** Scheduled time (ms) of the last tick sent; null if none yet. */
  readonly lastRunAt: number | null;
  /** When the next tick is due (ms); null while disabled. */
  readonly nextRunAt: number | null;
}

/** What the store keeps per schedule; only the leader writes it. */
export interface ScheduleState {
  /** The next tick not yet sent (ms). */
  next: number;
  /** Scheduled time of the last tick sent (ms), or null. */
  last: number | null;
  /** The timing it was computed for (`cron:…@tz` or `every:…`): a change starts afresh. */
  spec: string;
}

/** A tick claimed by the leader and not yet confirmed as sent. */
export interface PendingFire {
  /** The deterministic task id of the tick. */
  id: string;
  schedule: string;
  task: string;
  args: unknown[];
  queue?: string;
  /** Scheduled time of the tick (ms). */
  tick: number;
}

/** The task id of one tick of one schedule: the same on every instance, so a repeat is a no-op while queued. */
export function tickTaskId(schedule: string, tick: number): string {
  return `${BEAT_TASK_ID_PREFIX}${schedule}:${new Date(tick).toISOString()}`;
}

export const BEAT_TASK_ID_PREFIX = 'beat:';
