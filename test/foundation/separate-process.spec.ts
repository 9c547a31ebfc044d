import { TaskClient, TaskFailedError, TaskState } from '../../lib';
import { FoundationTasks } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, waitFor } from './harness';

describe('a worker in a separate OS process (the production topology)', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  it('runs what this process enqueues; results, failures and state cross the process boundary', async () => {
    const prefix = uniquePrefix();
    const worker = await h.workerProcess({ REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '8' });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    const client = producer.get(TaskClient);

    await expect((await client.delay(FoundationTasks, 'pid')).get({ timeout: 10_000 })).resolves.toBe(worker.pid);
    await expect((await client.delay(FoundationTasks, 'greet', 'across')).get({ timeout: 10_000 })).resolves.toBe('hello, across');
    await expect((await client.send('foundation.echo', [{ a: [1, 2] }])).get({ timeout: 10_000 })).resolves.toEqual({
      values: [{ a: [1, 2] }],
      types: ['object'],
    });
    const many = await client.delayMany(FoundationTasks, 'greet', Array.from({ length: 50 }, (_, i) => [`n${i}`] as [string]));
    await expect(Promise.all(many.map((r) => r.get({ timeout: 10_000 })))).resolves.toHaveLength(50);

    const failed = await client.delay(FoundationTasks, 'fail', 'remote failure');
    const error = (await failed.get({ timeout: 10_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.remoteName).toBe('TypeError');
    expect(error.remoteStack).toContain('foundation-tasks.ts');

    const unknown = await client.send('Nope.nope');
    await expect(unknown.get({ timeout: 10_000 })).rejects.toMatchObject({ remoteName: 'UnknownTaskError' });
    // A get() waiting in this process is woken by the other process's result.
    const slow = await client.delay(FoundationTasks, 'sleep', 500);
    await waitFor(async () => (await slow.state()) === TaskState.STARTED, 'STARTED in the child', 10_000);
    await expect(slow.get({ timeout: 10_000 })).resolves.toBe(500);
    expect(worker.child.exitCode).toBeNull();
  });

  it('SIGTERM (enableShutdownHooks) lets the running task finish and record its result, then the process exits', async () => {
    const prefix = uniquePrefix();
    const worker = await h.workerProcess({ REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    const result = await producer.get(TaskClient).delay(FoundationTasks, 'sleep', 800);
    await waitFor(async () => (await result.state()) === TaskState.STARTED, 'STARTED in the child', 10_000);

    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    await expect(result.state()).resolves.toBe(TaskState.SUCCESS);
    await expect(result.get({ timeout: 100 })).resolves.toBe(800);
    expect(await h.broker(producer).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });
});
