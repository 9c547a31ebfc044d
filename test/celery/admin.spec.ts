/** Inspect, the dashboard and metrics read TaskAdmin.queues(): Celery queues are listed beside ours, with kombu's counts. */
import type { Redis } from 'ioredis';
import { TaskAdmin, TaskClient, TaskWorker } from '../../lib';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';
import { BillingTasks } from './celery-tasks';
import { pythonProducer } from './celery-support';

jest.setTimeout(60_000);

describe('Celery queues in TaskAdmin (inspect, dashboard, metrics)', () => {
  const res = new TestResources();
  afterAll(() => res.closeAll());

  it("lists a Celery queue with kombu's waiting and held counts, and purges it", async () => {
    const server = await res.server();
    const redis: Redis = res.redis(server.url);
    BillingTasks.redisUrl = server.url;
    const options = { broker: server.url, queues: { legacy: { protocol: 'celery' as const } } };
    const producer = await res.taskApp(options, []);
    await producer.get(TaskClient).send('BillingTasks.native', [], { queue: 'native' });
    await producer.get(TaskClient).send('billing.add', [1, 2], { queue: 'legacy', priority: 9 });
    await pythonProducer(server.url, { send: { name: 'billing.add', args: [3, 4], queue: 'legacy', priority: 5 } });
    const admin = producer.get(TaskAdmin);
    const queues = await admin.queues();
    expect(queues.map((q) => q.name)).toEqual(['legacy', 'native']);
    expect(queues.find((q) => q.name === 'legacy')).toMatchObject({ ready: 2, active: 0, delayed: 0, dead: 0, protocol: 'celery' });

    // A Nest worker holding one (running) shows it as active, from kombu's unacked.
    const worker = await res.taskApp(options, [BillingTasks]);
    await producer.get(TaskClient).send('shared.slow', ['adm', 60], { queue: 'legacy' });
    await worker.get(TaskWorker).start({ queues: ['legacy'], concurrency: 1, prefetch: 1 });
    await waitFor(async () => (await redis.llen('adm:started')) === 1, 'the slow task to start');
    await waitFor(async () => (await admin.queues()).find((q) => q.name === 'legacy')?.active === 1, 'legacy to show one active');

    // Purge empties kombu's lists.
    await producer.get(TaskClient).send('billing.add', [5, 6], { queue: 'legacy' });
    const before = (await admin.queues()).find((q) => q.name === 'legacy')!.ready;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(await admin.purge('legacy')).toBe(before);
    expect((await admin.queues()).find((q) => q.name === 'legacy')?.ready).toBe(0);
    await redis.set('adm:go', '1');
    worker.get(BillingTasks).close();
  });
});
