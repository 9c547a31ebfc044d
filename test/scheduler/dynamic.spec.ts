import { TaskScheduler, TaskWorker } from '../../lib';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createBeatApp } from './support/beat-apps';
import { ManualClock } from './support/manual-clock';
import { runsOf } from './support/probe.tasks';
import { leaderStepped, Resources, storedState } from './support/resources';
import { waitFor } from './support/wait';

const MINUTE = 60_000;
const T0 = Date.parse('2030-06-01T12:00:10Z');
const CHECK = 250;

describe('runtime schedules (in Redis)', () => {
  const resources = new Resources();
  afterEach(() => resources.closeAll());

  it('add / disable / enable / remove from another instance are seen by the running leader, no restart', async () => {
    const prefix = uniquePrefix('dynamic');
    const clock = new ManualClock(T0);
    const options = { broker: testRedisUrl(), prefix, beat: { leaderLease: 3000, checkInterval: CHECK } };
    const redis = resources.redis(testRedisUrl());
    const worker = resources.app(await createBeatApp(options));
    await worker.get(TaskWorker).start();
    const leaderApp = resources.app(await createBeatApp(options, clock));
    await leaderApp.get(TaskScheduler).start();
    expect(leaderApp.get(TaskScheduler).isLeader).toBe(true);
    // An API process that manages schedules and never runs the scheduler.
    const admin = resources.app(await createBeatApp(options, clock)).get(TaskScheduler);
    expect(await admin.list()).toEqual([]);

    const addedAt = Date.now();
    await admin.add({ name: 'dyn', task: 'probe.record', args: ['dyn'], every: MINUTE });
    await waitFor(async () => (await storedState(redis, prefix, 'dyn')) !== null, 'the leader to pick up the new schedule', 5000, 10);
    expect(Date.now() - addedAt).toBeLessThan(1500); // checkInterval is 250 ms
    expect(await admin.list()).toEqual([
      { name: 'dyn', task: 'probe.record', args: ['dyn'], every: MINUTE, catchUp: 'last', enabled: true, source: 'dynamic', lastRunAt: null, nextRunAt: T0 + MINUTE },
    ]);

    clock.advance(MINUTE);
    await waitFor(() => runsOf('dyn').length === 1, 'the first run of the added schedule');
    expect(runsOf('dyn')).toEqual([`beat:dyn:${new Date(T0 + MINUTE).toISOString()}`]);

    await admin.disable('dyn');
    expect((await admin.list())[0]).toEqual(expect.objectContaining({ enabled: false, nextRunAt: null, lastRunAt: T0 + MINUTE }));
    await leaderStepped(admin, redis, prefix); // the leader has seen the switch
    clock.advance(MINUTE);
    await waitFor(async () => (await storedState(redis, prefix, 'dyn'))?.next === T0 + 3 * MINUTE, 'the leader to pass the disabled tick');
    await leaderStepped(admin, redis, prefix);
    await resources.queueDrained(worker);
    expect(runsOf('dyn')).toHaveLength(1);

    await admin.enable('dyn');
    await leaderStepped(admin, redis, prefix);
    clock.advance(MINUTE);
    await waitFor(() => runsOf('dyn').length === 2, 'the run after enable()');
    expect(runsOf('dyn')[1]).toBe(`beat:dyn:${new Date(T0 + 3 * MINUTE).toISOString()}`);

    // Replacing it with a cron timing starts it afresh at the next cron tick.
    await admin.add({ name: 'dyn', task: 'probe.record', args: ['dyn'], cron: '*/5 * * * *' });
    await waitFor(async () => (await storedState(redis, prefix, 'dyn'))?.next === Date.parse('2030-06-01T12:05:00Z'), 'the new timing');
    expect((await admin.list())[0]).toEqual(expect.objectContaining({ cron: '*/5 * * * *', tz: 'UTC', lastRunAt: T0 + 3 * MINUTE }));

    await expect(admin.remove('dyn')).resolves.toBe(true);
    await waitFor(async () => (await storedState(redis, prefix, 'dyn')) === null, 'the state to go');
    await leaderStepped(admin, redis, prefix); // the leader has seen the removal
    clock.advance(5 * MINUTE);
    await leaderStepped(admin, redis, prefix); // and has looked at the schedules at the new time
    await resources.queueDrained(worker);
    expect(runsOf('dyn')).toHaveLength(2);
    expect(await admin.list()).toEqual([]);
    expect(await storedState(redis, prefix, 'dyn')).toBeNull();
  });

  it('switches a schedule declared in code off and on at runtime, for every instance', async () => {
    const prefix = uniquePrefix('switch');
    const clock = new ManualClock(T0);
    const schedule = [{ name: 'coded', task: 'probe.record', args: ['coded'], every: MINUTE }];
    const options = { broker: testRedisUrl(), prefix, beat: { leaderLease: 3000, checkInterval: CHECK, schedule } };
    const redis = resources.redis(testRedisUrl());
    const app = resources.app(await createBeatApp(options, clock));
    await app.get(TaskWorker).start({ beat: true });
    const other = resources.app(await createBeatApp(options, clock)).get(TaskScheduler);
    await waitFor(async () => (await storedState(redis, prefix, 'coded')) !== null, 'the schedule to start');

    await other.disable('coded');
    expect((await app.get(TaskScheduler).list())[0]).toEqual(expect.objectContaining({ name: 'coded', source: 'config', enabled: false }));
    await leaderStepped(other, redis, prefix); // the leader has seen the switch
    clock.advance(MINUTE);
    await waitFor(async () => (await storedState(redis, prefix, 'coded'))?.next === T0 + 2 * MINUTE, 'the leader to pass the tick');
    await leaderStepped(other, redis, prefix);
    await resources.queueDrained(app);
    expect(runsOf('coded')).toHaveLength(0);

    await other.enable('coded');
    await leaderStepped(other, redis, prefix);
    clock.advance(MINUTE);
    await waitFor(() => runsOf('coded').length === 1, 'the run after enable()');
  });
});
