import { TaskClient, TaskWorker } from '../../lib';
import { MESSAGE_VERSION } from '../../lib/constants';
import { TaskExecutor } from '../../lib/internal';
import type { TaskMessage } from '../../lib/serialization/task-message';
import { FoundationTasks } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness } from './harness';

/** A message of `task`, as a worker would decode it. */
function messageOf(task: string, args: unknown[]): TaskMessage {
  return { v: MESSAGE_VERSION, id: `sync-${task}-${Math.random()}`, task, args, queue: 'default', sentAt: Date.now(), retries: 0 };
}

describe('tasks that return no promise', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  it('are run and settled without a promise; async tasks and thrown errors keep their outcomes', async () => {
    const app = await h.taskApp({ eager: true });
    const executor = app.get(TaskExecutor);

    const sync = executor.execute(messageOf('FoundationTasks.greet', ['Ada']), { delivery: 1 });
    expect(sync).not.toBeInstanceOf(Promise);
    expect(sync).toMatchObject({ kind: 'success', value: 'hello, Ada' });

    const notJson = executor.execute(messageOf('FoundationTasks.classResult', []), { delivery: 1 });
    expect(notJson).not.toBeInstanceOf(Promise);
    expect(notJson).toMatchObject({ kind: 'failure', error: { name: 'TaskResultError' } });

    const async = executor.execute(messageOf('FoundationTasks.sleep', [1]), { delivery: 1 });
    expect(async).toBeInstanceOf(Promise);
    await expect(async).resolves.toMatchObject({ kind: 'success', value: 1 });

    const failing = executor.execute(messageOf('FoundationTasks.fail', ['no']), { delivery: 1 });
    await expect(failing).resolves.toMatchObject({ kind: 'failure', error: { name: 'TypeError', message: 'no' } });
  });

  // A prefetch above about 4,000 once failed every fetch: one reserve call's leases overran Lua's unpack().
  it('pass their slot on in a loop: one slot and a prefetch of 9,000 drain a 9,000 backlog', async () => {
    const prefix = uniquePrefix();
    const app = await h.taskApp({ broker: testRedisUrl(), prefix });
    const client = app.get(TaskClient);
    const count = 9000;
    const results = await client.delayMany(FoundationTasks, 'echo', Array.from({ length: count }, (_, i) => [i]));
    // The worker holds all of them; each ends at once and hands its slot to the next.
    await app.get(TaskWorker).start({ concurrency: 1, prefetch: count });
    const values = await Promise.all(results.map(async (result) => ((await result.get({ timeout: 20_000 })) as { values: number[] }).values[0]));
    expect(values).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
