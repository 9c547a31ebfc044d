import { TaskScheduler, TaskWorker } from '../../lib';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createBeatApp, FAST_BEAT } from './support/beat-apps';
import { ManualClock } from './support/manual-clock';
import { runsOf } from './support/probe.tasks';
import { leaderStepped, Resources, storedState } from './support/resources';
import { waitFor } from './support/wait';

const MINUTE = 60_000;
const T0 = Date.parse('2030-01-01T00:57:30Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('several schedulers on one Redis', () => {
  const resources = new Resources();
  afterEach(() => resources.closeAll());

  it('three instances: one leader, each tick sent exactly once, and the schedule goes on when the leader stops', async () => {
    const prefix = uniquePrefix('beat3');
    const clock = new ManualClock(T0);
    const options = {
      broker: testRedisUrl(),
      prefix,
      beat: {
        ...FAST_BEAT,
        schedule: [
          { name: 'minutely', task: 'probe.record', args: ['minutely'], every: MINUTE },
          { name: 'hourly', task: 'probe.record', args: ['hourly'], cron: '0 * * * *' },
        ],
      },
    };
    const worker = resources.app(await createBeatApp(options));
    await worker.get(TaskWorker).start({ concurrency: 4 });
    const apps = [];
    for (let i = 0; i < 3; i++) {
      const app = resources.app(await createBeatApp(options, clock));
      await app.get(TaskScheduler).start();
      apps.push(app);
    }
    const schedulers = apps.map((app) => app.get(TaskScheduler));
    expect(schedulers.map((s) => s.isLeader)).toEqual([true, false, false]);

    const redis = resources.redis(testRedisUrl());
    await waitFor(async () => (await storedState(redis, prefix, 'minutely'))?.next === T0 + MINUTE, 'the leader to store the first tick');

    const expected: string[] = [];
    for (let i = 1; i <= 4; i++) {
      clock.advance(MINUTE);
      expected.push(`beat:minutely:${iso(T0 + i * MINUTE)}`);
      await waitFor(() => runsOf('minutely').length === i, `tick ${i} to run`, 5000);
    }
    expect(runsOf('hourly')).toEqual(['beat:hourly:2030-01-01T01:00:00.000Z']);

    // The leader goes away: it gives up its lease and another instance carries on.
    await resources.close(apps[0]);
    await waitFor(() => schedulers[1].isLeader || schedulers[2].isLeader, 'a new leader', 5000);
    expect(schedulers[1].isLeader && schedulers[2].isLeader).toBe(false);
    for (let i = 5; i <= 6; i++) {
      clock.advance(MINUTE);
      expected.push(`beat:minutely:${iso(T0 + i * MINUTE)}`);
      await waitFor(() => runsOf('minutely').length === i, `tick ${i} to run`, 5000);
    }

    // A wrong second send would have gone out by the end of the leader's next whole step, and run once the queue drained.
    await leaderStepped(schedulers[1], redis, prefix);
    await resources.queueDrained(worker);
    expect(runsOf('minutely')).toEqual(expected);
    expect(runsOf('hourly')).toHaveLength(1);
    const state = await storedState(redis, prefix, 'minutely');
    expect(state).toEqual(expect.objectContaining({ next: T0 + 7 * MINUTE, last: T0 + 6 * MINUTE }));
    expect(await redis.hlen(`${prefix}:{beat}:pending`)).toBe(0);

    const listed = await schedulers[1].list();
    expect(listed.find((s) => s.name === 'minutely')).toEqual(expect.objectContaining({ lastRunAt: T0 + 6 * MINUTE, nextRunAt: T0 + 7 * MINUTE }));
  });

  it('a stopped leader hands over at once; a lease nobody renews runs out within leaderLease', async () => {
    const prefix = uniquePrefix('lease');
    const options = { broker: testRedisUrl(), prefix, beat: { ...FAST_BEAT } };
    const a = resources.app(await createBeatApp(options));
    const b = resources.app(await createBeatApp(options));
    await a.get(TaskScheduler).start();
    await b.get(TaskScheduler).start();
    expect([a.get(TaskScheduler).isLeader, b.get(TaskScheduler).isLeader]).toEqual([true, false]);
    const redis = resources.redis(testRedisUrl());
    const holder = await redis.get(`${prefix}:{beat}:leader`);
    expect(holder).toMatch(/:\d+:[0-9a-f]{8}$/);

    await a.get(TaskScheduler).stop();
    await waitFor(() => b.get(TaskScheduler).isLeader, 'b to lead after a stopped', 3000);
    expect(await redis.get(`${prefix}:{beat}:leader`)).not.toBe(holder);

    // A lease taken by someone who never renews it (a dead process) blocks no one for longer than the lease.
    await b.get(TaskScheduler).stop();
    await redis.set(`${prefix}:{beat}:leader`, 'dead-process', 'PX', FAST_BEAT.leaderLease);
    await a.get(TaskScheduler).start();
    expect(a.get(TaskScheduler).isLeader).toBe(false);
    await waitFor(() => a.get(TaskScheduler).isLeader, 'a to take over the dead lease', FAST_BEAT.leaderLease + 3000);
  });
});
