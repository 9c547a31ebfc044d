import { TaskScheduler, TaskWorker, type CatchUpMode } from '../../lib';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createBeatApp, FAST_BEAT } from './support/beat-apps';
import { ManualClock } from './support/manual-clock';
import { runsOf } from './support/probe.tasks';
import { leaderStepped, Resources, storedState } from './support/resources';
import { waitFor } from './support/wait';

const MINUTE = 60_000;
const T0 = Date.parse('2030-01-01T00:00:30Z');
const idOf = (label: string, minutes: number) => `beat:${label}:${new Date(T0 + minutes * MINUTE).toISOString()}`;

describe('restarts and catchUp (state in Redis)', () => {
  const resources = new Resources();
  afterEach(() => resources.closeAll());

  it.each<[CatchUpMode, number[]]>([
    ['last', [11]],
    ['none', []],
    ['all', [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
  ])("catchUp '%s': a restart repeats nothing, and after an outage sends %p", async (catchUp, caughtUp) => {
    const label = `catch-${catchUp}`;
    const prefix = uniquePrefix(label);
    const clock = new ManualClock(T0);
    const options = {
      broker: testRedisUrl(),
      prefix,
      beat: { ...FAST_BEAT, schedule: [{ name: label, task: 'probe.record', args: [label], every: MINUTE, catchUp }] },
    };
    const redis = resources.redis(testRedisUrl());
    const boot = async () => {
      const app = resources.app(await createBeatApp(options, clock));
      await app.get(TaskWorker).start({ beat: true });
      return app;
    };

    const first = await boot();
    await waitFor(async () => (await storedState(redis, prefix, label))?.next === T0 + MINUTE, 'the first tick to be stored');
    clock.advance(MINUTE);
    await waitFor(() => runsOf(label).length === 1, 'the first run');
    await resources.close(first);

    // A restart at the same moment repeats nothing.
    const second = await boot();
    await leaderStepped(second.get(TaskScheduler), redis, prefix);
    await resources.queueDrained(second);
    expect(runsOf(label)).toEqual([idOf(label, 1)]);
    await resources.close(second);

    // Ten and a half minutes without a scheduler: ticks 2..11 come due, the last one 30 s ago.
    clock.advance(10 * MINUTE + 30_000);
    const third = await boot();
    await waitFor(async () => (await storedState(redis, prefix, label))?.next === T0 + 12 * MINUTE, 'the restarted leader to catch up');
    await waitFor(() => runsOf(label).length === 1 + caughtUp.length, `${caughtUp.length} caught-up run(s)`);
    await leaderStepped(third.get(TaskScheduler), redis, prefix);
    await resources.queueDrained(third);
    expect(runsOf(label).slice(1).sort()).toEqual(caughtUp.map((m) => idOf(label, m)));
    const state = await storedState(redis, prefix, label);
    expect(state?.last).toBe(caughtUp.length > 0 ? T0 + 11 * MINUTE : T0 + MINUTE);

    // Then the schedule goes on as before (it kept its phase: hh:mm:30).
    clock.advance(MINUTE - 30_000);
    await waitFor(() => runsOf(label).length === 2 + caughtUp.length, 'the next regular run');
    expect(runsOf(label).at(-1)).toBe(idOf(label, 12));
    expect((await third.get(TaskScheduler).list())[0]).toEqual(expect.objectContaining({ lastRunAt: T0 + 12 * MINUTE, nextRunAt: T0 + 13 * MINUTE }));
  });
});
