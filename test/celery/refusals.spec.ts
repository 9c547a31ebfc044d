/**
 * What a Nest worker does not run, it answers clearly: a pickle message goes to the
 * dead-letter list with its reason, and a task of a Celery chord fails (the chord's
 * counters are Celery's) instead of running half-way.
 */
import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TaskWorker } from '../../lib';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';
import type { RedisServerHandle } from '../support/redis-server';
import { BillingTasks } from './celery-tasks';
import { pythonProducer } from './celery-support';

jest.setTimeout(60_000);

describe('Celery messages a Nest worker refuses, clearly', () => {
  const res = new TestResources();
  let server: RedisServerHandle;
  let redis: Redis;
  let app: INestApplicationContext;

  beforeAll(async () => {
    server = await res.server();
    redis = res.redis(server.url);
    BillingTasks.redisUrl = server.url;
    app = await res.taskApp({ broker: server.url, queues: { legacy: { protocol: 'celery' } } }, [BillingTasks]);
    await app.get(TaskWorker).start({ queues: ['legacy'] });
  });

  afterAll(async () => {
    app.get(BillingTasks).close();
    await res.closeAll();
  });

  it('a pickle message is dead-lettered with its reason, and the Python caller gets a FAILURE', async () => {
    const out = await pythonProducer(server.url, { send: { name: 'billing.add', args: [1, 2], queue: 'legacy', serializer: 'pickle' }, wait: 20 });
    expect(out).toMatchObject({ status: 'FAILURE', error: { type: 'DeadLetteredError' } });
    expect(out.error?.message).toMatch(/pickle message refused/);
    const dead = await waitFor(async () => (await res.broker(app).deadLetters('legacy')).find((entry) => entry.id === out.id), 'the dead letter');
    expect(dead.reason).toMatch(/pickle message refused \(content-type application\/x-python-serialize\)/);
    expect(dead.raw).toContain('application/x-python-serialize');
    await waitFor(async () => (await redis.hlen('unacked')) === 0, 'the message to leave unacked');
  });

  it('a task of a Celery chord fails with ChordNotSupportedError; the chord body never runs', async () => {
    await redis.del('py:record');
    const started = await pythonProducer<{ id: string; header: string[] }>(server.url, {
      chord: { header: [{ name: 'billing.add', args: [1, 1], queue: 'legacy' }, { name: 'billing.add', args: [2, 2], queue: 'legacy' }], body: { name: 'py.record', args: [] } },
    });
    expect(started.header).toHaveLength(2);
    for (const id of started.header) {
      const out = await pythonProducer(server.url, { get: id, wait: 20 });
      expect(out).toMatchObject({ status: 'FAILURE', error: { type: 'ChordNotSupportedError' } });
      expect(out.error?.message).toMatch(/Celery chord.*route chord members to Celery workers/);
    }
    expect(await redis.llen('py:record')).toBe(0);
    expect(await redis.llen('celery')).toBe(0);
  });
});
