import { MemoryBroker, TaskClient, TaskRevokedError, TaskState, TaskWorker } from '../../lib/internal';
import { FoundationTasks, probe } from '../fixtures/foundation-tasks';
import { Harness, waitFor } from './harness';

describe('memory:// broker', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function app() {
    const app = await h.taskApp({ broker: 'memory://' });
    expect(h.broker(app)).toBeInstanceOf(MemoryBroker);
    return { app, client: app.get(TaskClient), worker: app.get(TaskWorker) };
  }

  it('a worker in the same process runs the tasks', async () => {
    const { client, worker } = await app();
    await worker.start({ concurrency: 4 });
    const results = await client.delayMany(FoundationTasks, 'greet', [['a'], ['b'], ['c']]);
    await expect(Promise.all(results.map((r) => r.get({ timeout: 5000 })))).resolves.toEqual(['hello, a', 'hello, b', 'hello, c']);
    const failed = await client.delay(FoundationTasks, 'fail', 'in memory');
    await expect(failed.get({ timeout: 5000 })).rejects.toMatchObject({ remoteName: 'TypeError', remoteMessage: 'in memory' });
  });

  it('countdown: not before, and soon after', async () => {
    const { client, worker } = await app();
    await worker.start();
    const sentAt = Date.now();
    const result = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown: 400 });
    await expect(result.state()).resolves.toBe(TaskState.PENDING);
    const startedAt = await result.get({ timeout: 5000 });
    expect(startedAt - sentAt).toBeGreaterThanOrEqual(400);
    expect(startedAt - sentAt).toBeLessThan(400 + 500);
  });

  it('expires, state(), ignoreResult and concurrency behave as on Redis', async () => {
    const { client, worker } = await app();
    probe.reset();
    await worker.start({ concurrency: 2 });
    const expired = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown: 200, expires: 50 });
    await expect(expired.get({ timeout: 5000 })).rejects.toBeInstanceOf(TaskRevokedError);
    expect(probe.runs.has(expired.id)).toBe(false);

    const ignored = await client.delay(FoundationTasks, 'ignored');
    await waitFor(() => probe.runs.get(ignored.id) === 1, 'the ignored task to run', 5000);
    await expect(ignored.state()).resolves.toBe(TaskState.PENDING);

    const tracked = await client.delayMany(FoundationTasks, 'tracked', [[100], [100], [100], [100], [100]]);
    await Promise.all(tracked.map((r) => r.get({ timeout: 5000 })));
    expect(probe.maxRunning).toBe(2);
  });

  it('stop() lets a running task finish; a task enqueued afterwards waits for the next start()', async () => {
    const { client, worker } = await app();
    await worker.start();
    const running = await client.delay(FoundationTasks, 'sleep', 300);
    await waitFor(async () => (await running.state()) === TaskState.STARTED, 'STARTED', 5000);
    await worker.stop();
    await expect(running.state()).resolves.toBe(TaskState.SUCCESS);
    const later = await client.delay(FoundationTasks, 'greet', 'later');
    await expect(later.get({ timeout: 300 })).rejects.toMatchObject({ name: 'ResultTimeoutError' });
    await worker.start();
    await expect(later.get({ timeout: 5000 })).resolves.toBe('hello, later');
  });
});
