import type { Redis } from 'ioredis';
import type { AsyncResult } from '../../lib';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import type { RedisServerHandle } from '../support/redis-server';
import { uniquePrefix } from '../support/redis-url';
import { Harness, sleep, waitFor, type InProcessWorker, type WorkerProcess } from './harness';
import { storedCount, leasedCount } from '../support/stored-messages';

const TOTAL = 2000;
const BATCH = 100;

/**
 * A redis-server of this suite's own, with appendonly, restarted while 2,000 tasks
 * flow from a producer through two worker processes. Nobody is restarted but Redis.
 */
describe('Redis restarts under load', () => {
  const harness = new Harness();
  const prefix = uniquePrefix('rel-restart');
  let server: RedisServerHandle;
  let redis: Redis;
  let producer: InProcessWorker;
  let workers: WorkerProcess[];

  beforeAll(async () => {
    server = await harness.server({ appendonly: true });
    redis = harness.redis(server.url);
    const env = { REDIS_URL: server.url, TASK_PREFIX: prefix, CONCURRENCY: 20, VISIBILITY_TIMEOUT: 5000 };
    [producer, ...workers] = await Promise.all([
      harness.app({ broker: server.url, prefix, visibilityTimeout: 5000 }),
      harness.workerProcess(env),
      harness.workerProcess(env),
    ]);
  }, 60_000);
  afterAll(() => harness.closeAll());

  it('every task completes, result waiters are answered, workers and producers carry on by themselves', async () => {
    const pids = workers.map((w) => w.pid);
    const oldRedisPid = server.pid;
    const ids: string[] = [];
    const waiters: Array<Promise<unknown>> = [];
    const waited: Array<AsyncResult<number>> = [];
    let restart: Promise<void> | undefined;
    let restartedAt = 0;
    let restartStartedAt = 0;

    for (let start = 0; start < TOTAL; start += BATCH) {
      const numbers = Array.from({ length: BATCH }, (_, i) => start + i);
      // An acknowledged enqueue is one whose promise resolved; none may be lost.
      const results = await producer.client.delayMany(ReliabilityTasks, 'double', numbers.map((n) => [n] as [number]));
      ids.push(...results.map((r) => r.id));
      // Some waiters that start before the restart and can only be answered after it.
      if (start === 600 || start === 700) {
        for (const r of results.slice(0, 10)) {
          waited.push(r);
          waiters.push(r.get({ timeout: 60_000 }));
        }
      }
      if (start === 800) {
        restartStartedAt = Date.now();
        restart = server.restart().then(() => {
          restartedAt = Date.now();
        });
      }
      await sleep(40);
    }
    await restart;
    expect(server.pid).not.toBe(oldRedisPid);
    expect(ids).toHaveLength(TOTAL);

    // Every task completed with its own result (read straight from Redis).
    await waitFor(
      async () => {
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500);
          const records = await redis.mget(chunk.map((id) => `${prefix}:result:${id}`));
          if (records.some((json) => json === null || JSON.parse(json).state !== 'SUCCESS')) return false;
        }
        return true;
      },
      'every task to succeed',
      60_000,
      250,
    );
    const finished: number[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const records = (await redis.mget(chunk.map((id) => `${prefix}:result:${id}`))).map((json) => JSON.parse(json!));
      records.forEach((record, j) => expect(record.result).toBe((i + j) * 2));
      finished.push(...records.map((record) => record.finishedAt as number));
    }
    // The restart happened in the middle of the flow: tasks finished before it and after it.
    expect(finished.filter((at) => at < restartStartedAt).length).toBeGreaterThan(0);
    expect(finished.filter((at) => at > restartedAt).length).toBeGreaterThan(500);
    const values = await Promise.all(waiters);
    expect(values).toEqual(waited.map((r) => 2 * ids.indexOf(r.id)));
    expect(restartedAt).toBeGreaterThan(0);

    // Same worker processes, still consuming; the producer still produces.
    for (const worker of workers) expect(worker.isRunning()).toBe(true);
    expect(workers.map((w) => w.pid)).toEqual(pids);
    const after = await producer.client.delayMany(ReliabilityTasks, 'double', [[21], [22]]);
    await expect(Promise.all(after.map((r) => r.get({ timeout: 15_000 })))).resolves.toEqual([42, 44]);
    // Drained: a task that ran twice (a lease that ran out while Redis was away, or a
    // stalled worker) may finish its second delivery a little after its first recorded SUCCESS.
    await waitFor(async () => {
      const [ready, active, stored] = await Promise.all([
        redis.llen(`${prefix}:{default}:ready`),
        leasedCount(redis, prefix, 'default'),
        storedCount(redis, prefix, 'default'),
      ]);
      return ready + active + stored === 0;
    }, 'the queue to drain', 20_000, 100);
  });
});
