import type { Redis } from 'ioredis';
import { TaskFailedError } from '../../lib';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, readMarks, type InProcessWorker } from './harness';

/** softTimeLimit and timeLimit on the inline pool (the process pool has its own suite). */
describe('time limits (inline pool)', () => {
  const harness = new Harness();
  const prefix = uniquePrefix('rel-limits');
  let w: InProcessWorker;
  let single: InProcessWorker;
  let redis: Redis;

  beforeAll(async () => {
    const options = { broker: testRedisUrl(), prefix };
    [w, single] = await Promise.all([
      harness.worker(options, { concurrency: 4 }),
      harness.worker(options, { queues: ['single'], concurrency: 1 }),
    ]);
    redis = harness.redis(testRedisUrl());
  });
  afterAll(() => harness.closeAll());

  const marks = (key: string) => readMarks(redis, prefix, key);
  const failure = async (get: Promise<unknown>): Promise<TaskFailedError> => {
    const error = await get.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    return error as TaskFailedError;
  };

  it('softTimeLimit aborts the signal with SoftTimeLimitExceeded; the task cleans up and fails with it', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'softLimited', 'soft');
    const error = await failure(result.get({ timeout: 10_000 }));
    expect(error.remoteName).toBe('SoftTimeLimitExceeded');
    expect(error.remoteMessage).toBe('Soft time limit of 300 ms exceeded');
    const [cleanup] = await marks('soft');
    expect(cleanup).toMatchObject({ event: 'cleanup', detail: { reason: 'SoftTimeLimitExceeded', thrown: 'SoftTimeLimitExceeded' } });
    const info = await result.info();
    // Stopped by the soft limit (300 ms), long before its 4 s of work or its 5 s hard limit.
    expect(info!.finishedAt! - info!.startedAt!).toBeGreaterThanOrEqual(300);
    expect(info!.finishedAt! - info!.startedAt!).toBeLessThan(3000);
  });

  it('signal.throwIfAborted() throws SoftTimeLimitExceeded in a polling task', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'softLimitedPolling', 'poll');
    const error = await failure(result.get({ timeout: 10_000 }));
    expect(error.remoteName).toBe('SoftTimeLimitExceeded');
    const [stopped] = await marks('poll');
    expect(stopped.event).toBe('stopped');
    expect(stopped.detail).toMatchObject({ aborted: true });
    expect((stopped.detail as { steps: number }).steps).toBeGreaterThan(0);
  });

  it('timeLimit stops waiting for the task: FAILURE TimeLimitExceeded, and its slot serves the next task', async () => {
    const hung = await single.client.applyAsync(ReliabilityTasks, 'hangs', ['hang'], { queue: 'single' });
    const next = await single.client.applyAsync(ReliabilityTasks, 'whereAmI', ['after-hang'], { queue: 'single' });
    const error = await failure(hung.get({ timeout: 10_000 }));
    expect(error.remoteName).toBe('TimeLimitExceeded');
    expect(error.remoteMessage).toBe('Time limit of 400 ms exceeded');
    const info = await hung.info();
    // Node's timers and Date.now() round milliseconds differently: a 400 ms timer may read as 399.
    expect(info!.finishedAt! - info!.startedAt!).toBeGreaterThanOrEqual(399);
    expect(info!.finishedAt! - info!.startedAt!).toBeLessThan(5000);
    // Concurrency 1: the next task ran although the hung one still sleeps (15 s).
    await expect(next.get({ timeout: 5000 })).resolves.toMatchObject({ pid: process.pid, deliveries: 1 });
    expect(await marks('hang')).toHaveLength(1);
  });

  it('TimeLimitExceeded is retried when autoretryFor allows it, and not when dontAutoretryFor excludes it', async () => {
    const retriedOne = await w.client.delay(ReliabilityTasks, 'hangsRetriedOnTimeLimit', 'hang-retried');
    const notRetried = await w.client.delay(ReliabilityTasks, 'hangsNotRetried', 'hang-not-retried');
    const first = await failure(retriedOne.get({ timeout: 15_000 }));
    const second = await failure(notRetried.get({ timeout: 15_000 }));
    expect(first.remoteName).toBe('TimeLimitExceeded');
    expect(second.remoteName).toBe('TimeLimitExceeded');
    expect((await marks('hang-retried')).map((m) => m.retries)).toEqual([0, 1, 2]);
    expect(await retriedOne.info()).toMatchObject({ state: 'FAILURE', retries: 2 });
    expect(await marks('hang-not-retried')).toHaveLength(1);
    expect(await notRetried.info()).toMatchObject({ state: 'FAILURE', retries: 0 });
  });
});
