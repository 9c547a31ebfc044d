import { TaskClient, TaskWorker } from '../../lib';
import { createApp } from '../support/apps';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';

describe('TaskClient.inspect() and .control()', () => {
  it('reaches the workers of another app through Redis', async () => {
    const prefix = uniquePrefix('inspect');
    const workerApp = await createApp({ broker: testRedisUrl(), prefix });
    const producer = await createApp({ broker: testRedisUrl(), prefix });
    try {
      const worker = workerApp.get(TaskWorker);
      await worker.start({ concurrency: 2 });
      const client = producer.get(TaskClient);

      const pongs = await client.inspect().ping({ timeout: 3000 });
      expect(Object.keys(pongs)).toEqual([worker.id]);
      const registered = await client.inspect().registered({ timeout: 3000 });
      expect(registered[worker.id]).toEqual(expect.arrayContaining(['MathTasks.add', 'math.double']));

      const answers = await client.control().setRateLimit('MathTasks.add', '50/s', { timeout: 3000 });
      expect(answers[worker.id]).toEqual({ ok: true });
      await client.control().shutdown({ timeout: 3000 });
      await waitFor(() => !worker.isRunning, 'the worker to stop', 5000);
      expect(worker.isRunning).toBe(false);
    } finally {
      await producer.close();
      await workerApp.close();
    }
  });
});
