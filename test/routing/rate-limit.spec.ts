import type { INestApplicationContext } from '@nestjs/common';
import { AsyncResult, TaskClient, TaskConfigError, TaskInspector, TaskWorker, type Broker } from '../../lib/internal';
import { RateTasks, type StartStamp } from '../fixtures/routing-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { minGap, mostInWindow, RoutingHarness, waitFor, type ChildWorker } from './routing-harness';

/**
 * Start times are taken inside the task, a little after the slot was granted in Redis;
 * on a busy machine that lag varies by a few ms to a few tens of ms between two starts
 * (with no limit at all, the starts below would be a few ms apart).
 */
const LAG = 60;

async function stamps(results: Array<AsyncResult<StartStamp>>, timeout = 20_000): Promise<StartStamp[]> {
  return Promise.all(results.map((r) => r.get({ timeout })));
}

/**
 * Resolves once every one of `workers` has handled the control messages broadcast so far
 * (a runtime rate change included): a ping goes out on the same control channel after
 * them, and each worker handles that channel's messages in order, so its pong comes
 * after it applied the earlier ones. Fails unless exactly these workers answer.
 */
async function heardByAll(app: INestApplicationContext, workers: ChildWorker[]): Promise<void> {
  const pongs = await app.get(TaskInspector).ping({ timeout: 10_000 });
  const pids = Object.keys(pongs).map((id) => Number(id.split(':').at(-2)));
  expect(pids.sort()).toEqual(workers.map((w) => w.pid).sort());
}

describe('global rate limits (redis)', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  async function producer(prefix: string): Promise<{ app: INestApplicationContext; client: TaskClient }> {
    const app = await h.taskApp({ broker: testRedisUrl(), prefix }, [RateTasks]);
    return { app, client: app.get(TaskClient) };
  }

  function enqueue(client: TaskClient, from: number, count: number): Promise<Array<AsyncResult<StartStamp>>> {
    return client.delayMany(RateTasks, 'limited', Array.from({ length: count }, (_, i) => [from + i] as [number]));
  }

  it("'5/s' holds across two worker processes: starts at least 200 ms apart, never more than 6 in a second", async () => {
    const prefix = uniquePrefix('rate');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '4' };
    const [a, b] = await Promise.all([h.workerProcess(env), h.workerProcess(env)]);
    const { client } = await producer(prefix);

    const runs = await stamps(await enqueue(client, 0, 16));
    const times = runs.map((run) => run.at);
    expect(new Set(runs.map((run) => run.pid))).toEqual(new Set([a.pid, b.pid]));
    expect(minGap(times)).toBeGreaterThanOrEqual(200 - LAG);
    expect(mostInWindow(times, 1000)).toBeLessThanOrEqual(6);
    // Evenly spaced, not slower than the limit needs: 15 gaps of 200 ms.
    const span = Math.max(...times) - Math.min(...times);
    expect(span).toBeGreaterThanOrEqual(15 * 200 - LAG);
    expect(span).toBeLessThan(15 * 200 + 1500);
  });

  it('a task waiting for its slot holds no concurrency slot: other tasks of the worker keep running', async () => {
    const prefix = uniquePrefix('rate');
    const app = await h.taskApp({ broker: testRedisUrl(), prefix }, [RateTasks]);
    const client = app.get(TaskClient);
    const tasks = app.get(RateTasks);
    // '10/m': one start every 6 s. With concurrency 1, a waiting call that held the slot would stall the rest.
    const calls = await client.delayMany(RateTasks, 'callExternalApi', [[1], [2], [3]]);
    const fast = await client.delayMany(RateTasks, 'fast', Array.from({ length: 30 }, (_, i) => [i] as [number]));
    await app.get(TaskWorker).start({ concurrency: 1 });
    const started = Date.now();
    await Promise.all(fast.map((r) => r.get({ timeout: 5000 })));
    expect(Date.now() - started).toBeLessThan(4000); // well before the second call's slot
    const notStarted = expect.stringMatching(/^(PENDING|RECEIVED)$/);
    expect(await Promise.all(calls.map((r) => r.state()))).toEqual(['SUCCESS', notStarted, notStarted]);
    // The two waiting calls sit in the delayed set, not in the worker.
    await waitFor(async () => (await h.broker(app).queueSizes('default')).delayed === 2, 'the waiting calls to be in the delayed set');
    expect(await h.broker(app).queueSizes('default')).toEqual({ ready: 0, delayed: 2, active: 0 });
    expect(app.get(TaskWorker).getStats()).toMatchObject({ active: 0, reserved: 0 });
    expect(tasks.fastDone).toHaveLength(30);
  });

  it('setRateLimit changes the spacing on running workers, and workers started later pick it up', async () => {
    const prefix = uniquePrefix('rate');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '4' };
    const first = await h.workerProcess(env);
    const { app, client } = await producer(prefix);

    await client.setRateLimit('RateTasks.limited', '2/s');
    const second = await h.workerProcess(env); // reads the override at start
    await heardByAll(app, [first, second]);
    const slow = (await stamps(await enqueue(client, 0, 6))).map((run) => run.at);
    expect(minGap(slow)).toBeGreaterThanOrEqual(500 - LAG);

    await client.setRateLimit('RateTasks.limited', '10/s');
    await heardByAll(app, [first, second]);
    const fastRuns = await stamps(await enqueue(client, 100, 10));
    const fast = fastRuns.map((run) => run.at);
    expect(minGap(fast)).toBeGreaterThanOrEqual(100 - LAG);
    // Faster than the decorator's '5/s' would allow: 9 gaps well under 9 x 200 ms.
    expect(Math.max(...fast) - Math.min(...fast)).toBeLessThan(9 * 200 - 200);
    expect(new Set([...fastRuns].map((run) => run.pid))).toEqual(new Set([first.pid, second.pid]));

    await client.setRateLimit('RateTasks.limited', null); // back to @Task({ rateLimit: '5/s' })
    await heardByAll(app, [first, second]);
    const restored = (await stamps(await enqueue(client, 200, 6))).map((run) => run.at);
    expect(minGap(restored)).toBeGreaterThanOrEqual(200 - LAG);
  });

  it('setRateLimit limits a task that has no rate in code, on running and later workers, until cleared', async () => {
    const prefix = uniquePrefix('rate');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '4' };
    const args = (from: number) => Array.from({ length: 6 }, (_, i) => [from + i] as [number]);
    const running = await h.workerProcess(env);
    const { app, client } = await producer(prefix);
    await client.setRateLimit('RateTasks.unlimited', '5/s');
    await heardByAll(app, [running]);
    // One worker at a time, so each is shown to apply the override (two at once may split the runs any way, one taking all).
    const onRunning = await stamps(await client.delayMany(RateTasks, 'unlimited', args(0)));
    expect(minGap(onRunning.map((run) => run.at))).toBeGreaterThanOrEqual(200 - LAG);
    expect(new Set(onRunning.map((run) => run.pid))).toEqual(new Set([running.pid]));

    const later = await h.workerProcess(env); // reads the override at start
    running.child.kill('SIGTERM');
    await running.exited;
    await heardByAll(app, [later]);
    const onLater = await stamps(await client.delayMany(RateTasks, 'unlimited', args(100)));
    expect(minGap(onLater.map((run) => run.at))).toBeGreaterThanOrEqual(200 - LAG);
    expect(new Set(onLater.map((run) => run.pid))).toEqual(new Set([later.pid]));

    await client.setRateLimit('RateTasks.unlimited', null);
    await heardByAll(app, [later]);
    const free = (await stamps(await client.delayMany(RateTasks, 'unlimited', args(200)))).map((run) => run.at);
    expect(Math.max(...free) - Math.min(...free)).toBeLessThan(5 * 200 - 400); // no longer spaced
  });

  it('raising the limit speeds up tasks already waiting for a slot', async () => {
    const prefix = uniquePrefix('rate');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '4' };
    const worker = await h.workerProcess(env);
    const { app, client } = await producer(prefix);
    await client.setRateLimit('RateTasks.limited', '1/s');
    await heardByAll(app, [worker]);
    const backlog = await enqueue(client, 0, 10); // at 1/s, the last one's slot is 9 s away
    await waitFor(async () => (await backlog[0].state()) === 'SUCCESS', 'the first start');
    await client.setRateLimit('RateTasks.limited', '20/s');
    const changedAt = Date.now();
    const runs = await stamps(backlog);
    // Nine waiting tasks at 20/s: about half a second, not the 9 s their old slots were...
    const times = runs.map((run) => run.at);
    expect(Math.max(...times) - changedAt).toBeLessThan(3000);
    // ...and still spaced, at the new rate (8 gaps of 50 ms after the first start).
    const rest = times.slice(1);
    expect(Math.max(...rest) - Math.min(...rest)).toBeGreaterThanOrEqual(8 * 50 - LAG);
  });

  it('tasks waiting for their slot survive the death of their worker', async () => {
    const prefix = uniquePrefix('rate');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '4', VISIBILITY_TIMEOUT: '2000' };
    const doomed = await h.workerProcess(env);
    const { app, client } = await producer(prefix);
    const results = await enqueue(client, 0, 12);
    await waitFor(async () => (await Promise.all(results.map((r) => r.state()))).filter((s) => s === 'SUCCESS').length >= 2, 'two starts');
    await h.kill(doomed);
    // Nobody is running them: the waiting ones are in Redis (delayed set), not lost with the process.
    const sizes = await h.broker(app).queueSizes('default');
    expect(sizes.delayed + sizes.ready + sizes.active).toBeGreaterThanOrEqual(8);
    expect(sizes.delayed).toBeGreaterThanOrEqual(6);

    const heir = await h.workerProcess(env);
    const runs = await stamps(results);
    expect(runs.map((run) => run.i)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(runs.filter((run) => run.pid === heir.pid).length).toBeGreaterThanOrEqual(6);
    expect(minGap(runs.map((run) => run.at))).toBeGreaterThanOrEqual(200 - LAG);
  });

  it('refuses a bad rate at the earliest point', async () => {
    const { client } = await producer(uniquePrefix('rate'));
    await expect(client.setRateLimit('RateTasks.limited', '5 per second')).rejects.toThrow(TaskConfigError);
    await expect(client.setRateLimit('RateTasks.limited', '0/s')).rejects.toThrow(/setRateLimit\(RateTasks\.limited\).*"0\/s"/);
    await expect(h.taskApp({ broker: 'memory://', defaults: { rateLimit: '10/d' } })).rejects.toThrow(/defaults\.rateLimit.*"10\/d"/);
  });
});

describe('rate limits on memory://', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  it('spaces starts in one process the same way', async () => {
    const app = await h.taskApp({ broker: 'memory://' }, [RateTasks]);
    const client = app.get(TaskClient);
    await app.get(TaskWorker).start({ concurrency: 4 });
    const runs = await stamps(await client.delayMany(RateTasks, 'limited', Array.from({ length: 8 }, (_, i) => [i] as [number])));
    const times = runs.map((run) => run.at);
    expect(minGap(times)).toBeGreaterThanOrEqual(200 - LAG);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(7 * 200 + 1500);
  });
});

describe.each([
  ['redis', () => testRedisUrl()],
  ['memory', () => 'memory://'],
])('the start-slot grid on %s', (kind, brokerUrl) => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  /** Reads the clock the broker hands slots out by: the Redis server's TIME, or this process's. */
  function brokerClock(): () => Promise<number> {
    if (kind === 'memory') return async () => Date.now();
    const redis = h.redis(testRedisUrl());
    return async () => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
  }

  async function setup(): Promise<{ broker: Broker; client: TaskClient }> {
    const app = await h.taskApp({ broker: brokerUrl(), prefix: uniquePrefix('grid') }, [RateTasks]);
    return { broker: h.broker(app), client: app.get(TaskClient) };
  }

  it('hands out slots one interval apart, and a ticket holder is not overtaken by a newcomer', async () => {
    const { broker } = await setup();
    const brokerNow = brokerClock();
    expect((await broker.acquireRateSlot('grid.task', 300)).wait).toBe(0);
    const b = await broker.acquireRateSlot('grid.task', 300);
    const c = await broker.acquireRateSlot('grid.task', 300);
    expect(b.wait).toBeGreaterThan(250);
    expect(b.wait).toBeLessThanOrEqual(300);
    expect(c.ticket!.slot - b.ticket!.slot).toBe(300);
    // Back early: it keeps its ticket and waits for its own slot.
    const early = await broker.acquireRateSlot('grid.task', 300, b.ticket);
    expect(early.ticket).toEqual(b.ticket);
    expect(early.wait).toBeGreaterThan(200);
    // B comes back late (its slot has passed by the broker's clock); a newcomer asking just before must not take B's slot.
    await waitFor(async () => (await brokerNow()) > b.ticket!.slot, "B's slot to pass", 5000);
    const newcomer = await broker.acquireRateSlot('grid.task', 300);
    expect(newcomer.wait).toBeGreaterThan(0);
    expect(newcomer.ticket!.slot).toBeGreaterThan(c.ticket!.slot);
    expect((await broker.acquireRateSlot('grid.task', 300, b.ticket)).wait).toBe(0);
  });

  it('a rate change voids old tickets, also of a message parked while the change ran', async () => {
    const { broker, client } = await setup();
    await broker.acquireRateSlot('RateTasks.limited', 1000);
    const held = await broker.acquireRateSlot('RateTasks.limited', 1000);
    expect(held.wait).toBeGreaterThan(900);
    // A message fetched by a worker that got `held` and has not parked it yet...
    await client.delay(RateTasks, 'limited', 1);
    const [reserved] = (await broker.reserve('default', 1, 30_000)).messages;
    await client.setRateLimit('RateTasks.limited', '50/s');
    // ...parks it after the change: it goes back to the queue at once instead of waiting a second.
    await broker.settle([{ kind: 'rate-wait', queue: 'default', id: reserved.id, lease: reserved.lease, body: reserved.body!, eta: Date.now() + held.wait, task: 'RateTasks.limited', issued: held.ticket!.issued }], []);
    expect(await broker.queueSizes('default')).toEqual({ ready: 1, delayed: 0, active: 0 });
    // The old ticket is void; the new rate (20 ms) holds even for a worker still passing the old interval.
    const again = await broker.acquireRateSlot('RateTasks.limited', 1000, held.ticket);
    expect(again.wait).toBeLessThanOrEqual(20);
  });
});
