import type { INestApplicationContext } from '@nestjs/common';
import { TaskClient, TaskRevokedError, TaskWorker, type TaskModuleOptions } from '../../lib';
import { MathTasks } from '../fixtures/math.tasks';
import { TASK_BROKER, type Broker } from '../../lib/internal';
import { createApp } from '../support/apps';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';

/** A revocation must outlive the countdown of the task it revokes, however short resultExpires is. */
describe('revoking a task whose countdown is longer than resultExpires', () => {
  const apps: INestApplicationContext[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it.each([
    ['on Redis, a worker started later', (): TaskModuleOptions => ({ broker: testRedisUrl(), prefix: uniquePrefix('revoke-long'), resultExpires: 500 }), true],
    ['on memory', (): TaskModuleOptions => ({ broker: 'memory://', resultExpires: 500 }), false],
  ])('keeps it revoked until it is due (%s)', async (_, makeOptions, separateWorker) => {
    const options = makeOptions();
    const producer = await createApp(options);
    apps.push(producer);
    const result = await producer.get(TaskClient).applyAsync(MathTasks, 'double', [21], { countdown: 2000 });
    const revokedAt = Date.now();
    await result.revoke();
    // Past resultExpires: a revocation kept only that long would be forgotten by now.
    await waitFor(() => Date.now() > revokedAt + 800, 'resultExpires to pass');
    const workerApp = separateWorker ? await createApp(options) : producer;
    if (separateWorker) apps.push(workerApp);
    await workerApp.get(TaskWorker).start({ concurrency: 1 });
    await expect(result.get({ timeout: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    // Once it came due the worker took it and dropped it: nothing is left, and it never ran (SUCCESS would replace REVOKED).
    const broker = workerApp.get<Broker>(TASK_BROKER);
    await waitFor(async () => {
      const sizes = await broker.queueSizes('default');
      return Date.now() > revokedAt + 2000 && sizes.ready + sizes.delayed + sizes.active === 0;
    }, 'the revoked task to come due and be dropped');
    expect(await result.state()).toBe('REVOKED');
  });
});
