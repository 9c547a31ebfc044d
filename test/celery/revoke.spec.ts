/** Python's AsyncResult.revoke() (Celery's pidbox broadcast) stops a task on a Nest worker. */
import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TaskClient, TaskWorker } from '../../lib';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';
import type { RedisServerHandle } from '../support/redis-server';
import { BillingTasks } from './celery-tasks';
import { pythonProducer, startCeleryWorker, stopCeleryWorkers } from './celery-support';

jest.setTimeout(60_000);

describe("Celery's revoke broadcast (pidbox), both ways", () => {
  const res = new TestResources();
  let server: RedisServerHandle;
  let redis: Redis;
  let app: INestApplicationContext;

  beforeAll(async () => {
    server = await res.server();
    redis = res.redis(server.url);
    BillingTasks.redisUrl = server.url;
    // `pyonly` speaks Celery too, but only a Celery worker consumes it.
    app = await res.taskApp({ broker: server.url, queues: { legacy: { protocol: 'celery' }, pyonly: { protocol: 'celery' } } }, [BillingTasks]);
    await app.get(TaskWorker).start({ queues: ['legacy'] });
  });

  afterAll(async () => {
    app.get(BillingTasks).close();
    await stopCeleryWorkers();
    await res.closeAll();
  });

  it('a task revoked while it waits for its countdown never runs: REVOKED', async () => {
    const before = await redis.llen('node:marks');
    const sent = await pythonProducer(server.url, { send: { name: 'billing.now', args: [], queue: 'legacy', countdown: 2 } });
    await waitFor(async () => (await redis.hlen('unacked')) === 1, 'the message to be parked');
    await pythonProducer(server.url, { revoke: sent.id });
    const out = await pythonProducer(server.url, { get: sent.id, wait: 20 });
    expect(out).toMatchObject({ status: 'REVOKED', error: { type: 'TaskRevokedError' } });
    expect(await redis.llen('node:marks')).toBe(before);
    await waitFor(async () => (await redis.hlen('unacked')) === 0, 'the revoked message to be acknowledged');
  });

  it('revoke(terminate=True) stops a running task: REVOKED', async () => {
    const sent = await pythonProducer(server.url, { send: { name: 'shared.slow', args: ['rv', 60], queue: 'legacy' } });
    await waitFor(async () => (await redis.llen('rv:started')) === 1, 'the task to start');
    await pythonProducer(server.url, { revoke: sent.id, terminate: true });
    const out = await pythonProducer(server.url, { get: sent.id, wait: 20 });
    expect(out).toMatchObject({ status: 'REVOKED', error: { type: 'TaskRevokedError' } });
    await redis.set('rv:go', '1');
  });

  it("revoke() from Nest reaches Celery's workers: a task a Celery worker holds for its countdown never runs", async () => {
    await redis.del('py:record');
    await startCeleryWorker(server.url, ['pyonly']);
    const result = await app.get(TaskClient).send('py.record', ['should not run'], { queue: 'pyonly', countdown: 2000 });
    // The Celery worker popped it and holds it until its eta (kombu's unacked).
    await waitFor(async () => (await redis.hvals('unacked')).some((held) => held.includes(result.id)), 'the Celery worker to hold the message');
    await result.revoke();
    // When its eta comes, the Celery worker drops it and stores REVOKED itself.
    await waitFor(async () => (JSON.parse((await redis.get(`celery-task-meta-${result.id}`)) ?? 'null') as { status?: string } | null)?.status === 'REVOKED', "Celery's REVOKED record", 20_000);
    expect(await redis.llen('py:record')).toBe(0);
  });
});
