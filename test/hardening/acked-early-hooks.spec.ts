import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Task, TaskClient, TaskWorker } from '../../lib';
import { TaskHooks } from '../../lib/internal';
import { createApp } from '../support/apps';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

@Injectable()
class EarlyTasks {
  @Task({ name: 'early.add', acksLate: false, maxRetries: 0 })
  add(a: number, b: number): number {
    return a + b;
  }
}

/** A task acknowledged when it starts (acksLate: false) cannot be delivered again when an after-task step fails. */
describe('acksLate: false with a failing outcome hook', () => {
  let app: INestApplicationContext;
  let hookRuns = 0;
  let failuresLeft = 0;

  beforeAll(async () => {
    app = await createApp({ broker: testRedisUrl(), prefix: uniquePrefix('acked-early') }, [EarlyTasks]);
    app.get(TaskHooks).onOutcome((message) => {
      if (message.task !== 'early.add') return;
      hookRuns++;
      if (failuresLeft-- > 0) throw new Error('hook down');
    });
    await app.get(TaskWorker).start({ concurrency: 1 });
  });

  afterAll(() => app.close());

  it('tries the step again, then stores the result', async () => {
    hookRuns = 0;
    failuresLeft = 2;
    const result = await app.get(TaskClient).delay(EarlyTasks, 'add', 2, 3);
    expect(await result.get({ timeout: 10_000 })).toBe(5);
    expect(hookRuns).toBe(3);
  });

  it('stores the result without the step when it keeps failing', async () => {
    hookRuns = 0;
    failuresLeft = Infinity;
    const result = await app.get(TaskClient).delay(EarlyTasks, 'add', 4, 5);
    expect(await result.get({ timeout: 10_000 })).toBe(9);
    expect(hookRuns).toBe(5);
  });
});
