/** One Nest worker on a native queue and a Celery queue: both are served, neither waits on the other. */
import { TaskClient, TaskWorker } from '../../lib';
import { TestResources } from '../support/test-resources';
import { BillingTasks } from './celery-tasks';
import { pythonProducer } from './celery-support';

jest.setTimeout(60_000);

describe('a worker consuming a native queue and a Celery queue', () => {
  const res = new TestResources();
  afterAll(() => res.closeAll());

  it('runs tasks from both, in any order of arrival', async () => {
    const server = await res.server();
    BillingTasks.redisUrl = server.url;
    const app = await res.taskApp({ broker: server.url, queues: { legacy: { protocol: 'celery' } } }, [BillingTasks]);
    await app.get(TaskWorker).start({ queues: ['native', 'legacy'] });
    const client = app.get(TaskClient);
    // Native first while idle (the worker waits on both), then Celery, then native again.
    const first = await client.send<number>('billing.add', [1, 1], { queue: 'native' });
    await expect(first.get({ timeout: 10_000 })).resolves.toBe(2);
    const fromPython = await pythonProducer(server.url, { send: { name: 'billing.add', args: [2, 2], queue: 'legacy' }, wait: 20 });
    expect(fromPython).toMatchObject({ status: 'SUCCESS', result: 4 });
    const fromNest = await client.send<number>('billing.add', [3, 3], { queue: 'legacy' });
    const again = await client.send<number>('billing.add', [4, 4], { queue: 'native' });
    await expect(Promise.all([fromNest.get({ timeout: 10_000 }), again.get({ timeout: 10_000 })])).resolves.toEqual([6, 8]);
    // The native result is ours, the Celery one Celery's.
    const redis = res.redis(server.url);
    expect(await redis.exists(`celery-task-meta-${fromNest.id}`)).toBe(1);
    expect(await redis.exists(`celery-task-meta-${again.id}`)).toBe(0);
    app.get(BillingTasks).close();
  });
});
