import IORedis from 'ioredis';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Task, TaskClient, TaskConfigError, TaskFailedError, TaskWorker } from '../../lib';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { createApp } from '../support/apps';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { messageKey } from '../support/stored-messages';

@Injectable()
class BigTasks {
  @Task({ name: 'big.text', maxRetries: 0 })
  text(size: number): string {
    return 'x'.repeat(size);
  }

  @Task({ name: 'big.rows', maxRetries: 0 })
  rows(count: number): Array<{ n: number }> {
    return Array.from({ length: count }, (_, n) => ({ n }));
  }
}

describe('maxResultBytes', () => {
  const apps: INestApplicationContext[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it.each([
    ['on Redis', () => ({ broker: testRedisUrl(), prefix: uniquePrefix('result-cap') }), true],
    ['in eager mode', () => ({ eager: true }), false],
  ])('ends a task whose result is over the limit FAILURE with ResultTooLargeError (%s)', async (_, options, worker) => {
    const app = await createApp({ ...options(), maxResultBytes: 1024 }, [BigTasks]);
    apps.push(app);
    if (worker) await app.get(TaskWorker).start({ concurrency: 2 });
    const client = app.get(TaskClient);
    expect(await (await client.delay(BigTasks, 'text', 1000)).get({ timeout: 10_000 })).toHaveLength(1000);
    const tooLong = await client.delay(BigTasks, 'text', 2000);
    const error = await tooLong.get({ timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ remoteName: 'ResultTooLargeError' });
    expect((error as Error).message).toMatch(/result is 2002 bytes, over the limit of 1024 \(maxResultBytes\)/);
    await expect((await client.delay(BigTasks, 'rows', 200)).get({ timeout: 10_000 })).rejects.toThrow(/over the limit of 1024/);
  });

  it('is checked at start-up', () => {
    expect(() => resolveTaskConfig({ maxResultBytes: 0 })).toThrow(TaskConfigError);
    expect(() => resolveTaskConfig({ maxResultBytes: 0 })).toThrow(/maxResultBytes/);
    expect(resolveTaskConfig({}).maxResultBytes).toBe(1024 * 1024);
  });
});

describe('a stored message whose body names another id', () => {
  it('is dead-lettered with the reason; its task fails under its own id, nothing is written under the other', async () => {
    const prefix = uniquePrefix('id-mismatch');
    const app = await createApp({ broker: testRedisUrl(), prefix }, [BigTasks]);
    const redis = new IORedis(testRedisUrl());
    try {
      const body = JSON.stringify({ v: 1, id: 'someone-else', task: 'big.text', args: [1], queue: 'default', sentAt: Date.now(), retries: 0 });
      await redis.hset(messageKey(prefix, 'default', 'stored-id'), 'stored-id', body);
      await redis.lpush(`${prefix}:{default}:ready`, 'stored-id');
      await app.get(TaskWorker).start({ concurrency: 1 });
      // A task sent after it on the same queue and worker: once it has run, the forged one was handled.
      await (await app.get(TaskClient).delay(BigTasks, 'text', 3)).get({ timeout: 10_000 });
      const dead = (await redis.lrange(`${prefix}:{default}:dead`, 0, -1)).map((entry) => JSON.parse(entry) as { id: string; reason: string });
      expect(dead).toEqual([expect.objectContaining({ id: 'stored-id', reason: expect.stringContaining('"someone-else"') })]);
      // Its task, known by the id it was stored under, fails; nothing is written under the other id.
      expect(await redis.exists(`${prefix}:result:someone-else`)).toBe(0);
      expect(JSON.parse((await redis.get(`${prefix}:result:stored-id`))!)).toMatchObject({ state: 'FAILURE', error: { name: 'DeadLetteredError' } });
    } finally {
      redis.disconnect();
      await app.close();
    }
  });
});
