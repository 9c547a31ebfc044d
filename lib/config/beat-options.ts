import { DEFAULT_BEAT_CHECK_INTERVAL, DEFAULT_BEAT_LEADER_LEASE, DEFAULT_BEAT_MISFIRE_GRACE } from '../constants';
import { DuplicateScheduleError, TaskConfigError } from '../errors';
import { assertDuration } from '../utils/validate';
import { resolveSchedule } from './schedules/resolve-schedule';
import type { ScheduleDefinition, ScheduleEntry } from './schedules/schedule-definition';

/** `TaskModule.forRoot({ beat })`: the static schedule (like CELERY_BEAT_SCHEDULE) and how the scheduler runs. */
export interface BeatOptions {
  /** Schedules declared in configuration, next to those of `@Periodic`. */
  schedule?: ScheduleEntry[];
  /** How long a leader's lease lasts without renewal, ms: a dead leader is replaced within about this long. Default 5000. */
  leaderLease?: number;
  /** The longest the scheduler sleeps between checks (leadership, runtime changes), ms. Default 1000. */
  checkInterval?: number;
  /** A tick up to this late (ms) is still sent in every catchUp mode; older ones count as missed. Default 10000. */
  misfireGrace?: number;
}

export interface ResolvedBeatOptions {
  readonly schedule: readonly ScheduleDefinition[];
  readonly leaderLease: number;
  readonly checkInterval: number;
  readonly misfireGrace: number;
}

export function resolveBeatOptions(beat: BeatOptions | undefined): ResolvedBeatOptions {
  const options = beat ?? {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TaskConfigError('beat', beat, '{ schedule?, leaderLease?, checkInterval?, misfireGrace? }');
  }
  assertDuration('beat.leaderLease', options.leaderLease, 500);
  assertDuration('beat.checkInterval', options.checkInterval, 10);
  assertDuration('beat.misfireGrace', options.misfireGrace, 0);
  const leaderLease = options.leaderLease ?? DEFAULT_BEAT_LEADER_LEASE;
  const checkInterval = options.checkInterval ?? Math.min(DEFAULT_BEAT_CHECK_INTERVAL, Math.floor(leaderLease / 3));
  if (checkInterval * 2 > leaderLease) {
    throw new TaskConfigError('beat.checkInterval', checkInterval, `at most half of beat.leaderLease (${leaderLease}), so the leader renews its lease in time`);
  }
  const entries = options.schedule ?? [];
  if (!Array.isArray(entries)) {
    throw new TaskConfigError('beat.schedule', entries, 'an array of { name, task, cron | every, ... }');
  }
  const schedule: ScheduleDefinition[] = [];
  const seen = new Map<string, string>();
  entries.forEach((entry, i) => {
    const definition = resolveSchedule(entry, 'config', `beat.schedule[${i}]`);
    const first = seen.get(definition.name);
    if (first) throw new DuplicateScheduleError(definition.name, first, definition.declaredAt);
    seen.set(definition.name, definition.declaredAt);
    schedule.push(definition);
  });
  return { schedule, leaderLease, checkInterval, misfireGrace: options.misfireGrace ?? DEFAULT_BEAT_MISFIRE_GRACE };
}
