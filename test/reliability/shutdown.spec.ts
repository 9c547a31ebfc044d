import type { Redis } from 'ioredis';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, queueKey, readMarks, waitFor, within, type InProcessWorker, type WorkerProcess } from './harness';
import { isStored } from '../support/stored-messages';

/** Signals to worker processes (app.enableShutdownHooks()), as an orchestrator sends them. */
describe('shutdown of a worker process', () => {
  const harness = new Harness();
  let redis: Redis;

  beforeAll(() => {
    redis = harness.redis(testRedisUrl());
  });
  afterAll(() => harness.closeAll());

  const draining = (worker: WorkerProcess) => waitFor(() => /Waiting up to \d+ ms for 1 running task/.test(worker.output()), 'the worker to start draining');

  it('SIGTERM is a warm shutdown: it fetches nothing more, the running task finishes and is recorded, then it exits', async () => {
    const prefix = uniquePrefix('rel-warm');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: 2 };
    const producer: InProcessWorker = await harness.app({ broker: testRedisUrl(), prefix });
    const worker = await harness.workerProcess(env);
    const running = await producer.client.delay(ReliabilityTasks, 'slow', 'warm', 2000);
    await waitFor(async () => (await readMarks(redis, prefix, 'warm')).length > 0, 'the task to start');
    worker.child.kill('SIGTERM');
    await draining(worker);
    // A slot is free, but a stopping worker fetches nothing.
    const later = await producer.client.delay(ReliabilityTasks, 'whereAmI', 'after-sigterm');

    const exit = await worker.exited;
    const exitedAt = Date.now();
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    await expect(running.get({ timeout: 1000 })).resolves.toEqual({ pid: worker.pid, deliveries: 1 });
    const marks = await readMarks(redis, prefix, 'warm');
    expect(marks.map((m) => m.event)).toEqual(['start', 'end']);
    expect(exitedAt).toBeGreaterThanOrEqual(marks[1].at);
    expect(worker.output()).toMatch(/stopped after 1 task/);
    // Acknowledged: nothing of it is left in the queue; the later task still waits for a worker.
    expect(await isStored(redis, prefix, 'default', running.id)).toBe(false);
    expect(await readMarks(redis, prefix, 'after-sigterm')).toHaveLength(0);
    expect(await redis.lrange(queueKey(prefix, 'default', 'ready'), 0, -1)).toEqual([later.id]);
    const next = await harness.workerProcess(env);
    await expect(later.get({ timeout: 15_000 })).resolves.toEqual({ pid: next.pid, deliveries: 1 });
  });

  it('tasks still running when shutdownGrace ends are given back to the queue, and run elsewhere', async () => {
    const prefix = uniquePrefix('rel-grace');
    const options = { broker: testRedisUrl(), prefix };
    const first = await harness.worker(options, { concurrency: 1, shutdownGrace: 300 });
    const task = await first.client.delay(ReliabilityTasks, 'longOnFirstRun', 'grace', 60_000);
    await waitFor(async () => (await readMarks(redis, prefix, 'grace')).length > 0, 'the task to start');
    const other = await harness.worker(options, { concurrency: 1 });
    const stopping = Date.now();
    await harness.close(first.app);
    expect(Date.now() - stopping).toBeLessThan(5000);
    await expect(other.client.result(task.id).get({ timeout: 10_000 })).resolves.toEqual({ pid: process.pid, deliveries: 1, run: 2 });
    expect((await readMarks(redis, prefix, 'grace')).map((m) => m.event)).toEqual(['start', 'start', 'end']);
    expect(other.worker.getStats().succeeded).toBe(1);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'a second signal (%s) is a cold shutdown: the running task goes back to the queue at once and another worker runs it',
    async (second) => {
      const prefix = uniquePrefix('rel-cold');
      const visibilityTimeout = 30_000;
      const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: 1, VISIBILITY_TIMEOUT: visibilityTimeout };
      const producer = await harness.app({ broker: testRedisUrl(), prefix, visibilityTimeout });
      const first = await harness.workerProcess(env);
      const task = await producer.client.delay(ReliabilityTasks, 'longOnFirstRun', 'cold', 60_000);
      await waitFor(async () => (await readMarks(redis, prefix, 'cold')).length > 0, 'the task to start');
      const other = await harness.workerProcess(env);
      first.child.kill('SIGTERM');
      await draining(first);
      first.child.kill(second);
      const coldAt = Date.now();

      await expect(task.get({ timeout: 15_000 })).resolves.toEqual({ pid: other.pid, deliveries: 1, run: 2 });
      const marks = await readMarks(redis, prefix, 'cold');
      expect(marks.map((m) => [m.event, m.pid])).toEqual([
        ['start', first.pid],
        ['start', other.pid],
        ['end', other.pid],
      ]);
      // Given back at once, not when its 30 s lease ran out.
      expect(marks[1].at - coldAt).toBeLessThan(5000);
      const exit = await within(first.exited, 10_000, 'still running');
      expect(exit).not.toBe('still running');
      expect(first.output()).toMatch(/Cold shutdown/);
    },
  );
});
