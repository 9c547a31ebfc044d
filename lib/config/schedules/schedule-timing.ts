import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { InvalidScheduleError } from '../../errors';

/** When a schedule's ticks fall. Times are ms timestamps. */
export interface Timing {
  /** Identifies the timing; a stored state computed for another spec is started afresh. */
  readonly spec: string;
  /** The first tick strictly after `t`. `anchor` is a known tick (an interval keeps its phase); without it an interval starts at `t + every`. */
  nextAfter(t: number, anchor?: number): number;
  /** The last tick at or before `t`, or null when there is none. */
  lastAtOrBefore(t: number, anchor: number): number | null;
  /** Ticks in [from, until], ascending, at most `limit` of them. */
  between(from: number, until: number, limit: number, anchor: number): number[];
}

const CRON_ALIASES = /^@(yearly|annually|monthly|weekly|daily|hourly|minutely|secondly|weekdays|weekends)$/;
export const MIN_INTERVAL = 1000;

/** The label of a cron schedule in messages: `cron '0 3 * * *' (tz 'UTC')`. */
export function describeCron(cron: unknown, tz?: unknown): string {
  const expression = `cron ${typeof cron === 'string' ? `'${cron}'` : String(cron)}`;
  return tz === undefined ? expression : `${expression} (tz ${typeof tz === 'string' ? `'${tz}'` : String(tz)})`;
}

/** Throws InvalidScheduleError unless `tz` is an IANA time zone this runtime knows. */
export function assertTimeZone(tz: unknown, where: string, label: string): asserts tz is string {
  if (typeof tz !== 'string' || tz.trim() === '') {
    throw new InvalidScheduleError(where, label, 'the time zone must be an IANA name such as "Europe/Berlin" or "UTC"');
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new InvalidScheduleError(where, label, `unknown time zone '${tz}' (expected an IANA name such as "Europe/Berlin")`);
  }
}

/**
 * Parses a cron expression (5 fields, or 6 with seconds first, or an @alias) in a time
 * zone (UTC unless given); throws InvalidScheduleError naming `where` and the expression.
 * `seed` fixes the `H` (hashed) fields, so every instance computes the same ticks.
 */
export function cronTiming(cron: unknown, zone: unknown, seed: string, where: string): Timing {
  const label = describeCron(cron, zone);
  const tz = zone ?? 'UTC';
  if (typeof cron !== 'string' || cron.trim() === '') {
    throw new InvalidScheduleError(where, label, 'expected a cron expression such as "0 3 * * *"');
  }
  const text = cron.trim();
  const fields = text.split(/\s+/).length;
  if (text.startsWith('@') ? !CRON_ALIASES.test(text) : fields < 5 || fields > 6) {
    throw new InvalidScheduleError(
      where,
      label,
      text.startsWith('@') ? 'unknown @alias' : `expected 5 fields (minute hour day month weekday) or 6 with seconds first, got ${fields}`,
    );
  }
  assertTimeZone(tz, where, label);
  let expression: CronExpression;
  try {
    expression = CronExpressionParser.parse(text, { tz, hashSeed: seed, currentDate: new Date(0) });
    expression.next();
  } catch (error) {
    throw new InvalidScheduleError(where, label, (error as Error).message);
  }
  const spec = `cron:${text}@${tz}`;
  const at = (t: number) => {
    expression.reset(new Date(t));
    return expression;
  };
  return {
    spec,
    nextAfter: (t) => at(t).next().getTime(),
    lastAtOrBefore: (t) => {
      try {
        return at(t + 1).prev().getTime();
      } catch {
        return null;
      }
    },
    between: (from, until, limit) => {
      const ticks: number[] = [];
      const it = at(from - 1);
      while (ticks.length < limit) {
        const tick = it.next().getTime();
        if (tick > until) break;
        ticks.push(tick);
      }
      return ticks;
    },
  };
}

/** Every `every` ms, phase kept by the anchor tick. */
export function intervalTiming(every: unknown, where: string): Timing {
  if (typeof every !== 'number' || !Number.isInteger(every) || every < MIN_INTERVAL) {
    throw new InvalidScheduleError(where, `every ${String(every)}`, `expected an integer number of milliseconds >= ${MIN_INTERVAL}`);
  }
  const firstAtOrAfter = (t: number, anchor: number) => anchor + Math.ceil((t - anchor) / every) * every;
  return {
    spec: `every:${every}`,
    nextAfter: (t, anchor) => (anchor === undefined ? t + every : firstAtOrAfter(t + 1, anchor)),
    lastAtOrBefore: (t, anchor) => anchor + Math.floor((t - anchor) / every) * every,
    between: (from, until, limit, anchor) => {
      const ticks: number[] = [];
      for (let tick = firstAtOrAfter(from, anchor); tick <= until && ticks.length < limit; tick += every) ticks.push(tick);
      return ticks;
    },
  };
}

/** The timing of a validated schedule. */
export function timingOf(schedule: { name: string; cron?: string; tz?: string; every?: number; declaredAt: string }): Timing {
  return schedule.cron !== undefined
    ? cronTiming(schedule.cron, schedule.tz ?? 'UTC', schedule.name, schedule.declaredAt)
    : intervalTiming(schedule.every, schedule.declaredAt);
}
