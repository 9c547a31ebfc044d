import { TaskClient, TaskWorker } from '../../lib';
import { OrderTasks } from '../fixtures/routing-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { RoutingHarness, waitFor } from './routing-harness';

/** Expected start order: higher priority first, enqueue order within a priority. */
function byPriority(entries: Array<{ tag: string; priority: number }>): string[] {
  return entries
    .map((entry, index) => ({ ...entry, index }))
    .sort((a, b) => b.priority - a.priority || a.index - b.index)
    .map((entry) => entry.tag);
}

describe.each([
  ['redis', () => testRedisUrl()],
  ['memory', () => 'memory://'],
])('priorities on %s', (_kind, broker) => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  async function app(routes = {}) {
    const a = await h.taskApp({ broker: broker(), prefix: uniquePrefix('prio'), routes }, [OrderTasks]);
    return { app: a, client: a.get(TaskClient), tasks: a.get(OrderTasks), worker: a.get(TaskWorker) };
  }

  it('a higher number is fetched first; the same priority keeps FIFO order', async () => {
    const { client, tasks, worker } = await app();
    const entries = [0, 5, 9, 5, 0, 9, 1, 0, 9, 5].map((priority, i) => ({ tag: `p${priority}-${i}`, priority }));
    for (const { tag, priority } of entries) await client.applyAsync(OrderTasks, 'work', [tag], { priority });
    await worker.start({ concurrency: 1 });
    const last = await client.applyAsync(OrderTasks, 'work', ['tail'], { priority: 0 });
    await last.get({ timeout: 5000 });
    expect(tasks.started).toEqual([...byPriority(entries), 'tail']);
  });

  it('orders a large random mix exactly, also when fetched several at a time', async () => {
    const { client, tasks, worker } = await app();
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const entries = Array.from({ length: 400 }, (_, i) => ({ tag: `m${i}`, priority: Math.floor(random() * 10) }));
    for (const { tag, priority } of entries) await client.applyAsync(OrderTasks, 'work', [tag], { priority });
    await worker.start({ concurrency: 4 });
    const last = await client.applyAsync(OrderTasks, 'work', ['tail'], { priority: 0 });
    await last.get({ timeout: 15_000 });
    // Fetches take the top of the queue in order; with 4 slots the starts stay in that order.
    expect(tasks.started.slice(0, 400)).toEqual(byPriority(entries));
  });

  it('priority comes from the call, then routes, then the decorator; 0 at the call wins over the decorator', async () => {
    const { client, tasks, worker } = await app({ 'OrderTasks.routed': { priority: 3 } });
    await client.applyAsync(OrderTasks, 'work', ['plain-0']); // 0
    await client.applyAsync(OrderTasks, 'urgent', ['decorator-7']); // @Task({ priority: 7 })
    await client.applyAsync(OrderTasks, 'routed', ['route-3']); // routes: 3
    await client.applyAsync(OrderTasks, 'routed', ['call-9'], { priority: 9 }); // call beats route
    await client.applyAsync(OrderTasks, 'urgent', ['call-0'], { priority: 0 }); // call beats decorator
    await client.applyAsync(OrderTasks, 'work', ['call-5'], { priority: 5 });
    await client.send('OrderTasks.urgent', ['send-7']); // by name: the registry knows the decorator here
    await worker.start({ concurrency: 1 });
    const last = await client.applyAsync(OrderTasks, 'work', ['tail']);
    await last.get({ timeout: 5000 });
    expect(tasks.started).toEqual(['call-9', 'decorator-7', 'send-7', 'call-5', 'route-3', 'plain-0', 'call-0', 'tail']);
  });

  it('a delayed task keeps its priority when it comes due', async () => {
    const { app: a, client, tasks, worker } = await app();
    for (let i = 0; i < 5; i++) await client.applyAsync(OrderTasks, 'work', [`now-${i}`]);
    await client.applyAsync(OrderTasks, 'work', ['later-9'], { priority: 9, countdown: 100 });
    await client.applyAsync(OrderTasks, 'work', ['later-0'], { priority: 0, countdown: 100 });
    // Both etas are at most this (sent time + countdown); the worker starts once they are due.
    const dueBy = Date.now() + 100;
    await waitFor(() => Date.now() >= dueBy, 'the delayed tasks to come due', 5000, 5);
    expect(await h.broker(a).queueSizes('default')).toEqual({ ready: 5, delayed: 2, active: 0 });
    await worker.start({ concurrency: 1 });
    const last = await client.applyAsync(OrderTasks, 'work', ['tail']);
    await last.get({ timeout: 5000 });
    expect(tasks.started).toEqual(['later-9', 'now-0', 'now-1', 'now-2', 'now-3', 'now-4', 'later-0', 'tail']);
  });

  it('a retried task keeps its priority', async () => {
    const { client, tasks, worker } = await app();
    // One message at a time: none of the priority-0 tasks is held by the worker when the retry goes back.
    await worker.start({ concurrency: 1, prefetch: 1 });
    // Hold the only slot while priority-0 tasks queue up, then a priority-9 task that fails once.
    const blocker = await client.applyAsync(OrderTasks, 'held', ['blocker']);
    await waitFor(() => tasks.started.includes('blocker'), 'the blocker to start');
    for (let i = 0; i < 3; i++) await client.applyAsync(OrderTasks, 'work', [`zero-${i}`]);
    const flaky = await client.applyAsync(OrderTasks, 'flaky', ['flaky-9', 1], { priority: 9 });
    tasks.release('blocker');
    await blocker.get({ timeout: 5000 });
    await expect(flaky.get({ timeout: 5000 })).resolves.toBe('flaky-9');
    const last = await client.applyAsync(OrderTasks, 'work', ['tail']);
    await last.get({ timeout: 5000 });
    // The retry (retryDelay 0) went back in at priority 9: ahead of the priority-0 tasks that were waiting.
    expect(tasks.started).toEqual(['blocker', 'flaky-9#0', 'flaky-9#1', 'zero-0', 'zero-1', 'zero-2', 'tail']);
  });
});

describe('priorities when a worker gives messages back (redis)', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  it('a stopping worker gives its prefetched messages back first in their priority, in their order', async () => {
    const prefix = uniquePrefix('prio');
    const first = await h.taskApp({ broker: testRedisUrl(), prefix }, [OrderTasks]);
    const client = first.get(TaskClient);
    await client.applyAsync(OrderTasks, 'held', ['a'], { priority: 5 });
    for (const tag of ['b', 'c', 'd']) await client.applyAsync(OrderTasks, 'work', [tag], { priority: 5 });
    await client.applyAsync(OrderTasks, 'work', ['zero']);
    const worker = first.get(TaskWorker);
    await worker.start({ concurrency: 1, prefetch: 3 }); // runs a, holds b and c
    await waitFor(() => first.get(OrderTasks).started.includes('a'), 'a to start');
    expect(worker.snapshot().reserved.map((r) => r.args[0])).toEqual(['b', 'c']);
    await client.applyAsync(OrderTasks, 'work', ['e'], { priority: 5 });
    const stopped = worker.stop(); // b and c go back; a finishes
    await waitFor(() => worker.snapshot().reserved.length === 0, 'b and c to be given back');
    first.get(OrderTasks).release('a');
    await stopped;

    const second = await h.taskApp({ broker: testRedisUrl(), prefix }, [OrderTasks]);
    await second.get(TaskWorker).start({ concurrency: 1 });
    await waitFor(() => second.get(OrderTasks).finished.length === 5, 'the rest to run');
    expect(first.get(OrderTasks).finished).toEqual(['a']);
    expect(second.get(OrderTasks).started).toEqual(['b', 'c', 'd', 'e', 'zero']);
  });
});
