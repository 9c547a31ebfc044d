import type { Redis } from 'ioredis';
import { TASK_BROKER, type Broker } from '../../lib/internal';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, queueKey, readMarks, readResult, waitFor, type WorkerProcess } from './harness';
import { decodeMessage } from '../../lib/serialization/task-message';
import { isStored, storedCount } from '../support/stored-messages';

/**
 * Real process deaths: worker processes are SIGKILLed in the middle of a task.
 * acksLate (the default) means the lease runs out and another worker runs the
 * task again; acksLate: false means it was acknowledged at start and is gone.
 */
describe('a worker process dies in the middle of a task', () => {
  const harness = new Harness();
  let redis: Redis;

  beforeAll(() => {
    redis = harness.redis(testRedisUrl());
  });
  afterAll(() => harness.closeAll());

  it('acksLate: the task runs again on another worker within visibilityTimeout, exactly once more; acksLate: false loses it', async () => {
    const prefix = uniquePrefix('rel-death');
    const visibilityTimeout = 3000;
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, VISIBILITY_TIMEOUT: visibilityTimeout, CONCURRENCY: 4 };
    const producer = await harness.app({ broker: testRedisUrl(), prefix, visibilityTimeout });
    const first = await harness.workerProcess(env);
    // Long on the first run (the one that dies), short on the next.
    const late = await producer.client.delay(ReliabilityTasks, 'longOnFirstRun', 'late', 60_000);
    const early = await producer.client.delay(ReliabilityTasks, 'slowAckedEarly', 'early', 60_000);
    await waitFor(async () => (await readMarks(redis, prefix, 'late')).length > 0 && (await readMarks(redis, prefix, 'early')).length > 0, 'both tasks to start');
    // The early-acked message is gone from Redis the moment it started.
    await waitFor(async () => !(await isStored(redis, prefix, 'default', early.id)), 'the early ack');

    const second = await harness.workerProcess(env);
    process.kill(first.pid, 'SIGKILL');
    const killedAt = Date.now();
    await first.exited;

    await expect(late.get({ timeout: 20_000 })).resolves.toEqual({ pid: second.pid, deliveries: 2, run: 2 });
    const runs = await readMarks(redis, prefix, 'late');
    expect(runs.map((m) => [m.event, m.pid, m.delivery])).toEqual([
      ['start', first.pid, 1],
      ['start', second.pid, 2],
      ['end', second.pid, 2],
    ]);
    // Once the dead worker's lease ran out: within visibilityTimeout of the kill (plus slack for a busy machine).
    expect(runs[1].at - killedAt).toBeLessThan(visibilityTimeout + 4000);

    // acksLate: false — acknowledged at start, so the death lost it: never delivered again.
    // Once the queue holds no message at all (late acknowledged too), nothing can be delivered again.
    await waitFor(
      async () => (await redis.zcard(queueKey(prefix, 'default', 'active'))) + (await storedCount(redis, prefix, 'default')) === 0,
      'the queue to hold no message',
    );
    expect(await readMarks(redis, prefix, 'late')).toHaveLength(3);
    expect((await readMarks(redis, prefix, 'early')).map((m) => [m.event, m.pid])).toEqual([['start', first.pid]]);
    expect(await early.state()).toBe('STARTED');
    expect(await redis.zcard(queueKey(prefix, 'default', 'active'))).toBe(0);
    expect(await storedCount(redis, prefix, 'default')).toBe(0);
    expect(second.isRunning()).toBe(true);
  });

  it('a poison message that kills every worker goes to the dead-letter list after maxDeliveries, with its history', async () => {
    const prefix = uniquePrefix('rel-poison');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, VISIBILITY_TIMEOUT: 1000, MAX_DELIVERIES: 2, CONCURRENCY: 1 };
    const producer = await harness.app({ broker: testRedisUrl(), prefix, maxDeliveries: 2 });
    const broker = producer.app.get<Broker>(TASK_BROKER);
    const poison = await producer.client.delay(ReliabilityTasks, 'killsItsProcess', 'poison');
    const good = await producer.client.delay(ReliabilityTasks, 'whereAmI', 'good');

    const dead = async () => (await broker.deadLetters('default')).length > 0;
    const workers: WorkerProcess[] = [];
    while (!(await dead())) {
      expect(workers.length).toBeLessThan(3);
      const worker = await harness.workerProcess(env);
      workers.push(worker);
      // It dies on the poison (deliveries 1 and 2), or lives on once the poison is dead-lettered.
      await waitFor(async () => !worker.isRunning() || (await dead()), 'the worker to die or the dead letter', 20_000, 100);
    }
    const [letter] = await broker.deadLetters('default');
    expect(letter).toMatchObject({ id: poison.id, queue: 'default', reason: 'delivered 2 times without finishing (maxDeliveries 2)' });
    expect(decodeMessage(letter.raw!, { id: letter.id, queue: letter.queue })).toMatchObject({ id: poison.id, task: 'ReliabilityTasks.killsItsProcess', args: ['poison'], retries: 0 });
    expect(letter.at).toBeGreaterThan(0);
    const deaths = await readMarks(redis, prefix, 'poison');
    expect(deaths.map((m) => m.delivery)).toEqual([1, 2]);
    expect(new Set(deaths.map((m) => m.pid)).size).toBe(2);

    // The good task queued behind it ran (on whichever worker was alive); the last worker lives on and serves.
    const pids = workers.map((w) => w.pid);
    expect(pids).toContain((await good.get({ timeout: 15_000 })).pid);
    const survivor = workers[workers.length - 1];
    const probe = await producer.client.delay(ReliabilityTasks, 'whereAmI', 'probe');
    await expect(probe.get({ timeout: 15_000 })).resolves.toEqual({ pid: survivor.pid, deliveries: 1 });
    expect(survivor.isRunning()).toBe(true);
    expect(await isStored(redis, prefix, 'default', poison.id)).toBe(false);
    // Its task ends FAILURE (it used to stay STARTED forever), so whoever waits for it is told.
    await waitFor(async () => (await readResult(redis, prefix, poison.id))?.state === 'FAILURE', 'the poison task to end FAILURE');
    expect(await readResult(redis, prefix, poison.id)).toMatchObject({ state: 'FAILURE', error: { name: 'DeadLetteredError' } });
  });
});
