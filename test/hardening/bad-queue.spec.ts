import IORedis from 'ioredis';
import type { INestApplicationContext } from '@nestjs/common';
import { TaskClient, TaskWorker } from '../../lib';
import { MathTasks } from '../fixtures/math.tasks';
import { createApp } from '../support/apps';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

describe('a queue whose keys Redis refuses to read (a key of the wrong type)', () => {
  let app: INestApplicationContext | undefined;
  const redis = new IORedis(testRedisUrl(), { lazyConnect: true });

  afterAll(async () => {
    await app?.close();
    redis.disconnect();
  });

  it("does not hold back the worker's other queues: their tasks run once and nothing is dead-lettered", async () => {
    const prefix = uniquePrefix('bad-queue');
    app = await createApp({ broker: testRedisUrl(), prefix, visibilityTimeout: 60_000 });
    await redis.connect();
    // Every reserve of this queue fails with WRONGTYPE.
    await redis.set(`${prefix}:{broken}:ready`, 'not a list');
    const client = app.get(TaskClient);
    const results = await Promise.all([1, 2, 3].map((n) => client.applyAsync(MathTasks, 'double', [n], { queue: 'healthy' })));
    await app.get(TaskWorker).start({ queues: ['broken', 'healthy'], concurrency: 3 });
    expect(await Promise.all(results.map((r) => r.get({ timeout: 10_000 })))).toEqual([2, 4, 6]);
    expect(await redis.llen(`${prefix}:{healthy}:dead`)).toBe(0);
    expect(await redis.zcard(`${prefix}:{healthy}:active`)).toBe(0);
    // The broken queue is still tried (and still refused), so the worker keeps running.
    expect(app.get(TaskWorker).isRunning).toBe(true);
  });
});
