import { InvalidScheduleError } from '../../lib';
import { cronTiming, intervalTiming } from '../../lib/config/schedules/schedule-timing';
import { planTicks, type TickPlanInput } from '../../lib/scheduler/tick-planner';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

/** The first `n` ticks after `from`, as ISO strings. */
function ticks(cron: string, tz: string, from: string, n: number): string[] {
  const timing = cronTiming(cron, tz, 'test', 'test');
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) out.push(iso((t = timing.nextAfter(t))));
  return out;
}

describe('cron timing', () => {
  it('fires a 02:30 Europe/Berlin job once on the day the clocks skip 02:00-03:00, and once on the day 02:30 happens twice', () => {
    // 31 March 2024: 02:00 CET -> 03:00 CEST; 02:30 does not exist, the job runs once, at 03:30 CEST.
    expect(ticks('30 2 * * *', 'Europe/Berlin', '2024-03-29T12:00:00Z', 3)).toEqual([
      '2024-03-30T01:30:00.000Z', // 02:30 CET
      '2024-03-31T01:30:00.000Z', // 03:30 CEST
      '2024-04-01T00:30:00.000Z', // 02:30 CEST
    ]);
    // 27 October 2024: 03:00 CEST -> 02:00 CET; 02:30 happens twice, the job runs once.
    expect(ticks('30 2 * * *', 'Europe/Berlin', '2024-10-26T12:00:00Z', 2)).toEqual([
      '2024-10-27T00:30:00.000Z', // 02:30 CEST, the first of the two
      '2024-10-28T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('keeps an hourly job hourly in real time across the autumn change (no hour skipped or doubled)', () => {
    expect(ticks('0 * * * *', 'Europe/Berlin', '2024-10-26T23:30:00Z', 4)).toEqual([
      '2024-10-27T00:00:00.000Z',
      '2024-10-27T01:00:00.000Z',
      '2024-10-27T02:00:00.000Z',
      '2024-10-27T03:00:00.000Z',
    ]);
  });

  it('reads the expression in its time zone, UTC by default', () => {
    expect(ticks('0 9 * * *', 'America/New_York', '2024-01-10T00:00:00Z', 1)).toEqual(['2024-01-10T14:00:00.000Z']);
    expect(ticks('0 9 * * *', 'America/New_York', '2024-07-10T00:00:00Z', 1)).toEqual(['2024-07-10T13:00:00.000Z']);
    expect(ticks('0 3 * * *', 'UTC', '2024-01-01T00:00:00Z', 2)).toEqual(['2024-01-01T03:00:00.000Z', '2024-01-02T03:00:00.000Z']);
  });

  it('takes an optional seconds field and @aliases', () => {
    expect(ticks('*/20 * * * * *', 'UTC', '2024-01-01T00:00:10.500Z', 3)).toEqual([
      '2024-01-01T00:00:20.000Z',
      '2024-01-01T00:00:40.000Z',
      '2024-01-01T00:01:00.000Z',
    ]);
    expect(ticks('@daily', 'UTC', '2024-01-01T00:00:00Z', 1)).toEqual(['2024-01-02T00:00:00.000Z']);
  });

  it('lists ticks in a window and finds the last one at or before a time', () => {
    const timing = cronTiming('*/15 * * * *', 'UTC', 'test', 'test');
    expect(timing.between(at('2024-01-01T00:00:00Z'), at('2024-01-01T00:45:00Z'), 100, 0).map(iso)).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T00:15:00.000Z',
      '2024-01-01T00:30:00.000Z',
      '2024-01-01T00:45:00.000Z',
    ]);
    expect(timing.between(at('2024-01-01T00:00:00Z'), at('2024-01-01T00:45:00Z'), 2, 0)).toHaveLength(2);
    expect(iso(timing.lastAtOrBefore(at('2024-01-01T00:44:59Z'), 0)!)).toBe('2024-01-01T00:30:00.000Z');
    expect(iso(timing.lastAtOrBefore(at('2024-01-01T00:45:00Z'), 0)!)).toBe('2024-01-01T00:45:00.000Z');
  });

  it('gives H (hashed) fields the same value on every instance of a schedule', () => {
    const a = cronTiming('H * * * *', 'UTC', 'nightly-report', 'a').nextAfter(at('2024-01-01T00:00:00Z'));
    const b = cronTiming('H * * * *', 'UTC', 'nightly-report', 'b').nextAfter(at('2024-01-01T00:00:00Z'));
    expect(a).toBe(b);
  });

  it.each([
    ['0 3 * *', /expected 5 fields .* got 4/],
    ['61 * * * *', /61/],
    ['0 3 * * * * *', /got 7/],
    ['@fortnightly', /unknown @alias/],
    ['', /expected a cron expression/],
    ['0 0 31 2 *', /day of month/],
  ])('refuses the cron expression %p, naming where and what', (cron, reason) => {
    const attempt = () => cronTiming(cron, 'UTC', 's', '@Periodic(Reports.nightly)');
    expect(attempt).toThrow(InvalidScheduleError);
    expect(attempt).toThrow(reason);
    expect(attempt).toThrow(`at @Periodic(Reports.nightly)`);
    expect(attempt).toThrow(`cron '${cron}'`);
  });

  it('refuses an unknown time zone, naming it', () => {
    const attempt = () => cronTiming('0 3 * * *', 'Mars/Olympus', 's', 'beat.schedule[0]');
    expect(attempt).toThrow(InvalidScheduleError);
    expect(attempt).toThrow("unknown time zone 'Mars/Olympus'");
    expect(attempt).toThrow("cron '0 3 * * *' (tz 'Mars/Olympus') at beat.schedule[0]");
  });
});

describe('interval timing', () => {
  it('keeps the phase of its anchor tick and starts one interval after first sight', () => {
    const timing = intervalTiming(300_000, 'test');
    expect(timing.nextAfter(1_000)).toBe(301_000);
    expect(timing.nextAfter(301_000, 301_000)).toBe(601_000);
    expect(timing.nextAfter(450_000, 301_000)).toBe(601_000);
    expect(timing.between(301_000, 1_300_000, 100, 301_000)).toEqual([301_000, 601_000, 901_000, 1_201_000]);
    expect(timing.lastAtOrBefore(1_300_000, 301_000)).toBe(1_201_000);
  });

  it.each([[0], [999], [1.5e3 + 0.5], ['300000'], [Number.NaN]])('refuses every: %p', (every) => {
    expect(() => intervalTiming(every, 'TaskScheduler.add')).toThrow(InvalidScheduleError);
    expect(() => intervalTiming(every, 'TaskScheduler.add')).toThrow('>= 1000');
  });
});

describe('tick planning', () => {
  const minute = 60_000;
  const timing = intervalTiming(minute, 'test');
  const spec = timing.spec;
  const base: Omit<TickPlanInput, 'state' | 'now'> = { timing, enabled: true, catchUp: 'last', misfireGrace: 10_000, maxFires: 100 };

  it('starts a schedule seen for the first time (or with a new timing) at its next tick, sending nothing', () => {
    expect(planTicks({ ...base, state: undefined, now: 5_000 })).toEqual({ fires: [], state: { next: 65_000, last: null, spec } });
    expect(planTicks({ ...base, state: { next: 60_000, last: 0, spec: 'every:5000' }, now: 5_000 })).toEqual({
      fires: [],
      state: { next: 65_000, last: 0, spec },
    });
  });

  it('does nothing before the next tick, and sends a due tick once', () => {
    expect(planTicks({ ...base, state: { next: 60_000, last: null, spec }, now: 59_999 })).toBeNull();
    expect(planTicks({ ...base, state: { next: 60_000, last: null, spec }, now: 60_003 })).toEqual({
      fires: [60_000],
      state: { next: 120_000, last: 60_000, spec },
    });
  });

  it('sends each tick that is late by less than misfireGrace, in every mode', () => {
    const secondly = intervalTiming(1000, 'test');
    for (const catchUp of ['last', 'none', 'all'] as const) {
      const plan = planTicks({ ...base, timing: secondly, catchUp, state: { next: 10_000, last: 9_000, spec: secondly.spec }, now: 13_500 });
      expect(plan?.fires).toEqual([10_000, 11_000, 12_000, 13_000]);
      expect(plan?.state.next).toBe(14_000);
    }
  });

  it("after an outage: 'last' sends the most recent missed tick once, 'none' none, 'all' each", () => {
    const state = { next: 60_000, last: 0, spec };
    const now = 10 * minute + 30_000; // ticks 1..10 min are due; the one at 10 min is 30 s late (> grace)
    expect(planTicks({ ...base, catchUp: 'last', state, now })).toEqual({ fires: [10 * minute], state: { next: 11 * minute, last: 10 * minute, spec } });
    expect(planTicks({ ...base, catchUp: 'none', state, now })).toEqual({ fires: [], state: { next: 11 * minute, last: 0, spec } });
    const all = planTicks({ ...base, catchUp: 'all', state, now })!;
    expect(all.fires).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => m * minute));
    expect(all.state).toEqual({ next: 11 * minute, last: 10 * minute, spec });
  });

  it("'last' sends only the late tick when one is within grace (the run after the outage is that one)", () => {
    const plan = planTicks({ ...base, catchUp: 'last', state: { next: 60_000, last: 0, spec }, now: 10 * minute + 2_000 });
    expect(plan?.fires).toEqual([10 * minute]);
  });

  it("'all' sends a long backlog in steps of maxFires, each continuing where the last stopped", () => {
    const first = planTicks({ ...base, catchUp: 'all', maxFires: 3, state: { next: 60_000, last: 0, spec }, now: 10 * minute })!;
    expect(first.fires).toEqual([1, 2, 3].map((m) => m * minute));
    expect(first.state.next).toBe(4 * minute);
    const second = planTicks({ ...base, catchUp: 'all', maxFires: 3, state: first.state, now: 10 * minute })!;
    expect(second.fires).toEqual([4, 5, 6].map((m) => m * minute));
  });

  it('moves a disabled schedule on without sending or catching up', () => {
    expect(planTicks({ ...base, enabled: false, catchUp: 'all', state: { next: 60_000, last: 0, spec }, now: 5 * minute })).toEqual({
      fires: [],
      state: { next: 6 * minute, last: 0, spec },
    });
  });
});
