import { NoTaskContextError, TaskClient, TaskWorker, currentTask } from '../../lib';
import { FoundationTasks, Greeter } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness } from './harness';

describe('currentTask()', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  it('gives a running task its id, name, args, queue, retries, deliveries and signal; `this` and deps work', async () => {
    const prefix = uniquePrefix();
    const worker = await h.taskApp({ broker: testRedisUrl(), prefix });
    worker.get(Greeter).greeting = 'hi from the worker';
    await worker.get(TaskWorker).start({ queues: ['default', 'ctx'] });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, []);

    const when = new Date('2024-05-06T07:08:09.010Z');
    const result = await producer.get(TaskClient).applyAsync(FoundationTasks, 'inspect', [1, 'two', { three: [3] }, when], { queue: 'ctx' });
    await expect(result.get({ timeout: 5000 })).resolves.toEqual({
      id: result.id,
      name: 'FoundationTasks.inspect',
      args: [1, 'two', { three: [3] }, '2024-05-06T07:08:09.010Z'],
      queue: 'ctx',
      retries: 0,
      deliveries: 1,
      signalIsAbortSignal: true,
      aborted: false,
      greeting: 'hi from the worker',
    });
  });

  it('keeps each concurrent task in its own context across awaits', async () => {
    const prefix = uniquePrefix();
    const worker = await h.taskApp({ broker: testRedisUrl(), prefix });
    await worker.get(TaskWorker).start({ concurrency: 8 });
    const client = worker.get(TaskClient);
    const results = await client.delayMany(FoundationTasks, 'whoAmI', [[40], [5], [30], [1], [20], [10], [35], [2]]);
    const ids = await Promise.all(results.map((r) => r.get({ timeout: 5000 })));
    expect(ids).toEqual(results.map((r) => r.id));
  });

  it('throws NoTaskContextError outside a task', () => {
    expect(() => currentTask()).toThrow(NoTaskContextError);
    expect(() => currentTask()).toThrow('currentTask() was called outside a running task');
  });

  it('is gone once the task is over', async () => {
    const app = await h.taskApp({ eager: true });
    // The eager run finished; code running after it in the test is outside any task.
    const result = await app.get(TaskClient).delay(FoundationTasks, 'inspect');
    expect((await result.get()).name).toBe('FoundationTasks.inspect');
    expect(() => currentTask()).toThrow(NoTaskContextError);
  });
});
