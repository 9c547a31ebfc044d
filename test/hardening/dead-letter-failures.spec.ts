import IORedis from 'ioredis';
import type { INestApplicationContext } from '@nestjs/common';
import { TaskClient, TaskFailedError, TaskWorker } from '../../lib';
import { MathTasks } from '../fixtures/math.tasks';
import { createApp } from '../support/apps';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

/** A dead-lettered message must not leave its task, or the workflow it is a step of, waiting forever. */
describe('a task whose message is dead-lettered', () => {
  let app: INestApplicationContext | undefined;
  const redis = new IORedis(testRedisUrl(), { lazyConnect: true });

  afterAll(async () => {
    await app?.close();
    redis.disconnect();
  });

  it('ends FAILURE with DeadLetteredError, and the chain it starts fails instead of stalling', async () => {
    const prefix = uniquePrefix('dead-chain');
    app = await createApp({ broker: testRedisUrl(), prefix, maxDeliveries: 2 });
    await redis.connect();
    const client = app.get(TaskClient);
    const last = await client.chain(client.signature(MathTasks, 'double', 1).set({ taskId: 'dead-first' }), client.signature(MathTasks, 'double')).applyAsync();
    const alone = await client.applyAsync(MathTasks, 'double', [2], { taskId: 'dead-alone' });
    // As if a worker holding each had been lost once already, and then again: the next reserve dead-letters them.
    const key = (part: string) => `${prefix}:{default}:${part}`;
    for (const id of ['dead-first', 'dead-alone']) {
      await redis.lrem(key('ready'), 0, id);
      await redis.zadd(key('active'), 0, `${id}|a-lost-worker`);
      await redis.hset(key('lost'), id, '1');
    }
    await app.get(TaskWorker).start({ concurrency: 2 });

    await expect(alone.get({ timeout: 10_000 })).rejects.toMatchObject({ remoteName: 'DeadLetteredError', remoteMessage: 'Dead-lettered: delivered 2 times without finishing (maxDeliveries 2)' });
    await expect(client.result('dead-first').get({ timeout: 10_000 })).rejects.toMatchObject({ remoteName: 'DeadLetteredError' });
    const error = await last.get({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remoteName).toBe('DeadLetteredError');
    expect(await redis.llen(key('dead'))).toBe(2);
  });
});
