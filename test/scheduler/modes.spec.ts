import { Injectable } from '@nestjs/common';
import { Periodic, TaskClient, TaskScheduler, TaskWorker } from '../../lib';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createBeatApp, FAST_BEAT } from './support/beat-apps';
import { ManualClock } from './support/manual-clock';
import { probeRuns } from './support/probe.tasks';
import { Resources, storedState } from './support/resources';
import { waitFor } from './support/wait';

const MINUTE = 60_000;
const T0 = Date.parse('2030-01-01T02:59:00Z');

/** The article's CELERY_BEAT_SCHEDULE written with @Periodic. */
@Injectable()
class MaintenanceTasks {
  static readonly runs: Array<{ task: string; args: unknown[] }> = [];

  @Periodic('0 3 * * *', { tz: 'UTC' })
  cleanupOldRecords(): string {
    MaintenanceTasks.runs.push({ task: 'cleanup', args: [] });
    return 'cleaned';
  }

  @Periodic({ every: 300_000, args: ['crm'] })
  syncExternalData(source: string): void {
    MaintenanceTasks.runs.push({ task: 'sync', args: [source] });
  }
}

describe('the scheduler on every broker', () => {
  const resources = new Resources();
  afterEach(() => {
    MaintenanceTasks.runs.length = 0;
    return resources.closeAll();
  });

  it('memory://: @Periodic tasks run through a worker started with { beat: true }', async () => {
    const clock = new ManualClock(T0);
    const app = resources.app(await createBeatApp({ broker: 'memory://', beat: { ...FAST_BEAT } }, clock, [MaintenanceTasks]));
    await app.get(TaskWorker).start({ beat: true });
    const scheduler = app.get(TaskScheduler);
    expect(scheduler.isRunning).toBe(true);
    expect(scheduler.isLeader).toBe(true);
    await waitFor(async () => (await scheduler.list()).every((s) => s.nextRunAt !== null), 'the schedules to start');

    clock.advance(MINUTE); // 03:00: the daily cleanup
    await waitFor(() => MaintenanceTasks.runs.length === 1, 'the daily cleanup');
    clock.advance(5 * MINUTE); // 03:05: five minutes after the first start, the sync
    await waitFor(() => MaintenanceTasks.runs.length === 2, 'the sync');
    expect(MaintenanceTasks.runs).toEqual([{ task: 'cleanup', args: [] }, { task: 'sync', args: ['crm'] }]);
    const list = await scheduler.list();
    expect(list.find((s) => s.name === 'MaintenanceTasks.cleanupOldRecords')?.lastRunAt).toBe(Date.parse('2030-01-01T03:00:00Z'));

    await app.get(TaskWorker).stop();
    expect(scheduler.isRunning).toBe(false);
  });

  it('eager mode: a tick runs the task inline through TaskClient, with its result stored', async () => {
    const clock = new ManualClock(T0);
    const app = resources.app(await createBeatApp({ eager: true, beat: { ...FAST_BEAT } }, clock, [MaintenanceTasks]));
    const scheduler = app.get(TaskScheduler);
    await scheduler.start();
    await waitFor(async () => (await scheduler.list()).every((s) => s.nextRunAt !== null), 'the schedules to start');
    clock.advance(MINUTE);
    await waitFor(() => MaintenanceTasks.runs.length === 1, 'the inline run');
    const result = app.get(TaskClient).result<string>('beat:MaintenanceTasks.cleanupOldRecords:2030-01-01T03:00:00.000Z');
    expect(await result.state()).toBe('SUCCESS');
    await expect(result.get({ timeout: 1000 })).resolves.toBe('cleaned');
    await scheduler.stop();
    expect(scheduler.isRunning).toBe(false);
  });

  it('redis: TaskWorker.start({ beat: true }) runs the scheduler with the worker and stops it with the worker', async () => {
    const prefix = uniquePrefix('worker-beat');
    const clock = new ManualClock(T0);
    const schedule = [{ name: 'with-worker', task: 'probe.record', args: ['with-worker'], every: MINUTE }];
    const app = resources.app(await createBeatApp({ broker: testRedisUrl(), prefix, beat: { ...FAST_BEAT, schedule } }, clock));
    const worker = app.get(TaskWorker);
    const scheduler = app.get(TaskScheduler);
    await worker.start({ beat: true });
    expect(scheduler.isRunning).toBe(true);
    expect(scheduler.isLeader).toBe(true);
    const redis = resources.redis(testRedisUrl());
    await waitFor(async () => (await storedState(redis, prefix, 'with-worker')) !== null, 'the schedule to start');
    clock.advance(MINUTE);
    await waitFor(() => probeRuns.some((run) => run.label === 'with-worker'), 'the tick to run on this worker');

    await worker.stop();
    expect(scheduler.isRunning).toBe(false);
    expect(await redis.get(`${prefix}:{beat}:leader`)).toBeNull(); // lease given up for the next instance

    // A worker started without beat leaves the scheduler alone.
    await worker.start();
    expect(scheduler.isRunning).toBe(false);
    await worker.stop();
  });

  it('stops with the application (shutdown hooks), giving up the lease', async () => {
    const prefix = uniquePrefix('shutdown');
    const app = await createBeatApp({ broker: testRedisUrl(), prefix, beat: { ...FAST_BEAT } });
    await app.get(TaskScheduler).start();
    const redis = resources.redis(testRedisUrl());
    expect(await redis.get(`${prefix}:{beat}:leader`)).not.toBeNull();
    await app.close();
    expect(await redis.get(`${prefix}:{beat}:leader`)).toBeNull();
  });
});
