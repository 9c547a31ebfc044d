import { TaskClient, TaskWorker } from '../lib';
import { MathTasks } from './fixtures/math.tasks';
import { createApp } from './support/apps';
import { testRedisUrl, uniquePrefix } from './support/redis-url';

describe.each([['redis', () => testRedisUrl()], ['memory', () => 'memory://']])('smoke on %s', (_kind, broker) => {
  it('runs a task through a worker', async () => {
    const app = await createApp({ broker: broker(), prefix: uniquePrefix() });
    await app.get(TaskWorker).start({ concurrency: 4 });
    const client = app.get(TaskClient);
    const result = await client.delay(MathTasks, 'add', 2, 3);
    await expect(result.get({ timeout: 5000 })).resolves.toBe(5);
    await expect(result.state()).resolves.toBe('SUCCESS');
    await app.close();
  });
});
