import { TaskClient, TaskWorker } from '../../lib';
import { shareSlots, weightedRotation } from '../../lib/worker/worker-options';
import { OrderTasks } from '../fixtures/routing-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { RoutingHarness, waitFor } from './routing-harness';

describe('weighted shares', () => {
  it('rotation interleaves queues by weight, with no longer run of one queue than needed', () => {
    expect(weightedRotation(new Map([['a', 1], ['b', 1]]))).toEqual(['a', 'b']);
    expect(weightedRotation(new Map([['a', 2], ['b', 1]]))).toEqual(['a', 'b', 'a']);
    const order = weightedRotation(new Map([['a', 3], ['b', 1], ['c', 2]]));
    expect(order.filter((q) => q === 'a')).toHaveLength(3);
    expect(order.filter((q) => q === 'c')).toHaveLength(2);
    expect(order.join('')).not.toMatch(/aaa/);
  });

  it('free slots are offered by weight, one rotation position per slot', () => {
    const rotation = weightedRotation(new Map([['a', 3], ['b', 1]]));
    expect(Object.fromEntries(shareSlots(8, rotation, 0))).toEqual({ a: 6, b: 2 });
    expect(Object.fromEntries(shareSlots(4, rotation, 3))).toEqual({ a: 3, b: 1 });
    expect([0, 1, 2, 3].map((cursor) => [...shareSlots(1, rotation, cursor).keys()][0]).sort()).toEqual(['a', 'a', 'a', 'b']);
  });

  it('the shares follow the weights whatever the rhythm of free slots (no phase lock)', () => {
    // A worker whose fast and slow tasks free slots alternately two and one at a time.
    for (const [weights, rhythm] of [
      [new Map([['a', 1], ['b', 1]]), [2, 1]],
      [new Map([['a', 3], ['b', 1]]), [2, 1]],
      [new Map([['a', 1], ['b', 1]]), [3, 1, 1]],
      [new Map([['a', 2], ['b', 1], ['c', 1]]), [1, 2, 3]],
    ] as Array<[Map<string, number>, number[]]>) {
      const rotation = weightedRotation(weights);
      const given = new Map<string, number>();
      let cursor = 0;
      let total = 0;
      for (let fetch = 0; fetch < 300; fetch++) {
        const free = rhythm[fetch % rhythm.length];
        for (const [queue, n] of shareSlots(free, rotation, cursor)) given.set(queue, (given.get(queue) ?? 0) + n);
        cursor = (cursor + free) % rotation.length;
        total += free;
      }
      const weightSum = [...weights.values()].reduce((x, y) => x + y, 0);
      for (const [queue, weight] of weights) {
        expect(Math.abs(given.get(queue)! - (total * weight) / weightSum)).toBeLessThanOrEqual(weightSum);
      }
    }
  });
});

describe.each([
  ['redis', () => testRedisUrl()],
  ['memory', () => 'memory://'],
])('fair multi-queue consumption on %s', (_kind, broker) => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  async function app() {
    const a = await h.taskApp({ broker: broker(), prefix: uniquePrefix('fair') }, [OrderTasks]);
    return { app: a, client: a.get(TaskClient), tasks: a.get(OrderTasks), worker: a.get(TaskWorker) };
  }

  it('a flooded queue does not starve another: tasks enqueued behind a flood run among the first ones', async () => {
    const { client, tasks, worker } = await app();
    await client.delayMany(OrderTasks, 'work', Array.from({ length: 300 }, (_, i) => [`bulk-${i}`, 2] as [string, number]), { queue: 'bulk' });
    const urgent = await client.delayMany(OrderTasks, 'work', Array.from({ length: 20 }, (_, i) => [`urgent-${i}`] as [string]), { queue: 'urgent' });
    await worker.start({ queues: ['bulk', 'urgent'], concurrency: 2 });
    await Promise.all(urgent.map((r) => r.get({ timeout: 10_000 })));
    // Equal weights, one slot each in turn: the 20 urgent tasks ran among the first ~40 starts, not after
    // 300 bulk ones; a 2:1 skew (a rotation locked onto a phase) would leave ~14 of them there.
    const firstForty = tasks.started.slice(0, 40);
    expect(firstForty.filter((tag) => tag.startsWith('urgent')).length).toBeGreaterThanOrEqual(18);
    expect(firstForty.filter((tag) => tag.startsWith('bulk')).length).toBeGreaterThanOrEqual(18);
  });

  it('weights are honoured: weight 3 gets about three times the share of weight 1', async () => {
    const { client, tasks, worker } = await app();
    await client.delayMany(OrderTasks, 'work', Array.from({ length: 200 }, (_, i) => [`heavy-${i}`] as [string]), { queue: 'heavy' });
    await client.delayMany(OrderTasks, 'work', Array.from({ length: 200 }, (_, i) => [`light-${i}`] as [string]), { queue: 'light' });
    await worker.start({ queues: [{ name: 'heavy', weight: 3 }, 'light'], concurrency: 1 });
    await waitFor(() => tasks.started.length >= 120, '120 tasks to start');
    const first = tasks.started.slice(0, 120);
    const heavy = first.filter((tag) => tag.startsWith('heavy')).length;
    // 3:1 gives 90 of 120; allow for the rotation's phase and batch boundaries.
    expect(heavy).toBeGreaterThanOrEqual(80);
    expect(heavy).toBeLessThanOrEqual(100);
    // FIFO within each queue.
    const heavyOrder = first.filter((tag) => tag.startsWith('heavy')).map((tag) => Number(tag.split('-')[1]));
    expect(heavyOrder).toEqual([...heavyOrder].sort((a, b) => a - b));
  });

  it('weights hold with several free slots per fetch too', async () => {
    const { client, tasks, worker } = await app();
    await client.delayMany(OrderTasks, 'work', Array.from({ length: 200 }, (_, i) => [`heavy-${i}`, 3] as [string, number]), { queue: 'heavy' });
    await client.delayMany(OrderTasks, 'work', Array.from({ length: 200 }, (_, i) => [`light-${i}`, 3] as [string, number]), { queue: 'light' });
    await worker.start({ queues: [{ name: 'heavy', weight: 3 }, 'light'], concurrency: 8 });
    await waitFor(() => tasks.started.length >= 160, '160 tasks to start');
    const heavy = tasks.started.slice(0, 160).filter((tag) => tag.startsWith('heavy')).length;
    expect(heavy).toBeGreaterThanOrEqual(100);
    expect(heavy).toBeLessThanOrEqual(140);
  });

  it('a queue that runs dry gives its share to the others (no idle slots while work waits)', async () => {
    const { client, tasks, worker } = await app();
    await client.delayMany(OrderTasks, 'work', [['light-0'], ['light-1']], { queue: 'light' });
    const heavy = await client.delayMany(OrderTasks, 'work', Array.from({ length: 40 }, (_, i) => [`heavy-${i}`, 20] as [string, number]), { queue: 'heavy' });
    await worker.start({ queues: ['light', 'heavy'], concurrency: 4 });
    await Promise.all(heavy.map((r) => r.get({ timeout: 10_000 })));
    expect(tasks.finished).toHaveLength(42);
    // Once 'light' ran dry its half of the slots went to 'heavy': all four ran heavy tasks at once.
    expect(tasks.maxRunning).toBe(4);
  });
});

describe('no prefetch starvation (redis)', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  it('a long task never holds back short ones that another free slot could run', async () => {
    const prefix = uniquePrefix('fair');
    const a = await h.taskApp({ broker: testRedisUrl(), prefix }, [OrderTasks]);
    const b = await h.taskApp({ broker: testRedisUrl(), prefix }, [OrderTasks]);
    const client = a.get(TaskClient);
    const long = await client.applyAsync(OrderTasks, 'work', ['long', 1500]);
    await a.get(TaskWorker).start({ concurrency: 1 });
    await waitFor(() => a.get(OrderTasks).started.includes('long'), 'the long task to start on worker A');
    const short = await client.delayMany(OrderTasks, 'work', Array.from({ length: 8 }, (_, i) => [`short-${i}`, 10] as [string, number]));
    await b.get(TaskWorker).start({ concurrency: 1 });
    await Promise.all(short.map((r) => r.get({ timeout: 5000 })));
    // All short tasks ran on B while A was still busy with the long one: A held none of them back.
    expect(await long.state()).toBe('STARTED');
    expect(b.get(OrderTasks).finished).toEqual(Array.from({ length: 8 }, (_, i) => `short-${i}`));
    expect(a.get(OrderTasks).started).toEqual(['long']);
    await expect(long.get({ timeout: 5000 })).resolves.toBe('long');
  });

  it('without a prefetch given, a worker fetches eight times its slots while tasks run short, the next eight on their way at once, and gives back what waits once one runs long', async () => {
    const prefix = uniquePrefix('fair');
    const a = await h.taskApp({ broker: testRedisUrl(), prefix }, [OrderTasks]);
    const b = await h.taskApp({ broker: testRedisUrl(), prefix }, [OrderTasks]);
    const client = a.get(TaskClient);
    const tasksA = a.get(OrderTasks);
    await a.get(TaskWorker).start({ concurrency: 1 });
    // Short runs first: the worker learns that its tasks run short.
    const warm = await client.delayMany(OrderTasks, 'work', [['warm-0'], ['warm-1'], ['warm-2']]);
    await Promise.all(warm.map((r) => r.get({ timeout: 5000 })));
    const heldTags = Array.from({ length: 15 }, (_, i) => `held-${i + 1}`);
    const [long, ...others] = await Promise.all([
      client.applyAsync(OrderTasks, 'held', ['long']),
      ...[...heldTags, 'rest'].map((tag) => client.applyAsync(OrderTasks, 'work', [tag])),
    ]);
    const held = others.slice(0, heldTags.length);
    const rest = others[heldTags.length];
    // Two fetches of eight: 'long' runs in the one slot, fifteen wait beyond it (RECEIVED); 'rest' stays queued.
    await waitFor(async () => (await Promise.all(held.map((r) => r.state()))).every((state) => state === 'RECEIVED'), 'fifteen tasks to wait in worker A');
    expect(await rest.state()).toBe('PENDING');
    expect(await long.state()).toBe('STARTED');
    // Worker B takes 'rest' at once, and the held ones once A gives them back (its one slot runs long).
    await b.get(TaskWorker).start({ concurrency: 1 });
    await expect(Promise.all(others.map((r) => r.get({ timeout: 5000 })))).resolves.toEqual([...heldTags, 'rest']);
    expect([...b.get(OrderTasks).finished].sort()).toEqual([...heldTags, 'rest'].sort());
    expect(tasksA.started).toEqual(['warm-0', 'warm-1', 'warm-2', 'long']);
    expect(await long.state()).toBe('STARTED');
    tasksA.release('long');
    await expect(long.get({ timeout: 5000 })).resolves.toBe('long');
  });

  it('within one worker, a long task leaves the other slots free for short ones', async () => {
    const a = await h.taskApp({ broker: testRedisUrl(), prefix: uniquePrefix('fair') }, [OrderTasks]);
    const client = a.get(TaskClient);
    const tasks = a.get(OrderTasks);
    const long = await client.applyAsync(OrderTasks, 'work', ['long', 1500]);
    const short = await client.delayMany(OrderTasks, 'work', Array.from({ length: 10 }, (_, i) => [`short-${i}`, 10] as [string, number]));
    await a.get(TaskWorker).start({ concurrency: 2, prefetch: 4 });
    await Promise.all(short.map((r) => r.get({ timeout: 5000 })));
    expect(tasks.finished).not.toContain('long');
    expect(tasks.finished).toHaveLength(10);
    await expect(long.get({ timeout: 5000 })).resolves.toBe('long');
  });
});
