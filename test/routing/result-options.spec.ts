import { TaskClient, TaskWorker } from '../../lib';
import { ResultTasks } from '../fixtures/routing-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { RoutingHarness, waitFor } from './routing-harness';

describe('ignoreResult and resultExpires per task and per call (redis)', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  async function setup(options: { defaults?: { ignoreResult?: boolean; resultExpires?: number } } = {}) {
    const prefix = uniquePrefix('results');
    const app = await h.taskApp({ broker: testRedisUrl(), prefix, ...options }, [ResultTasks]);
    await app.get(TaskWorker).start();
    const redis = h.redis(testRedisUrl());
    const resultKey = (id: string) => `${prefix}:result:${id}`;
    const drained = () => waitFor(async () => (await h.broker(app).queueSizes('default')).active + (await h.broker(app).queueSizes('default')).ready === 0, 'the queue to drain');
    /**
     * Everything the worker would write for the tasks before it has been written: the queue
     * is drained (acknowledged; results go out first) and a marker task sent after them has
     * its result (the worker sends its writes in order).
     */
    const settled = async () => {
      await drained();
      const marker = await app.get(TaskClient).applyAsync(ResultTasks, 'normal', [], { ignoreResult: false });
      await expect(marker.get({ timeout: 5000 })).resolves.toBe('normal');
    };
    return { prefix, app, client: app.get(TaskClient), tasks: app.get(ResultTasks), redis, resultKey, settled };
  }

  it('@Task({ ignoreResult: true }) stores nothing, not even RECEIVED or STARTED, and not a failure either', async () => {
    const { client, tasks, redis, resultKey, settled } = await setup();
    const ok = await client.delay(ResultTasks, 'fireAndForget');
    const failed = await client.delay(ResultTasks, 'failQuietly');
    await waitFor(() => tasks.calls === 2, 'both tasks to run');
    await settled();
    expect(await redis.exists(resultKey(ok.id), resultKey(failed.id))).toBe(0);
    expect(await ok.state()).toBe('PENDING');
  });

  it('the call overrides the task: ignoreResult true on a normal task, false on an ignoring one', async () => {
    const { client, redis, resultKey, settled } = await setup();
    const ignored = await client.applyAsync(ResultTasks, 'normal', [], { ignoreResult: true });
    const kept = await client.applyAsync(ResultTasks, 'fireAndForget', [], { ignoreResult: false });
    await expect(kept.get({ timeout: 5000 })).resolves.toBe('nobody reads this');
    await settled();
    expect(await redis.exists(resultKey(ignored.id))).toBe(0);
  });

  it('@Task({ resultExpires }) and the call set how long the result is kept; others keep the module default', async () => {
    const { client, redis, resultKey } = await setup();
    const short = await client.delay(ResultTasks, 'shortLived');
    const shorter = await client.applyAsync(ResultTasks, 'shortLived', [], { resultExpires: 500 });
    const normal = await client.delay(ResultTasks, 'normal');
    await Promise.all([short.get({ timeout: 5000 }), shorter.get({ timeout: 5000 }), normal.get({ timeout: 5000 })]);
    const [shortTtl, shorterTtl, normalTtl] = await Promise.all([short, shorter, normal].map((r) => redis.pttl(resultKey(r.id))));
    expect(shortTtl).toBeGreaterThan(0);
    expect(shortTtl).toBeLessThanOrEqual(1500);
    expect(shorterTtl).toBeGreaterThan(0);
    expect(shorterTtl).toBeLessThanOrEqual(500);
    expect(normalTtl).toBeGreaterThan(23 * 3600 * 1000);
    await waitFor(async () => (await redis.exists(resultKey(short.id), resultKey(shorter.id))) === 0, 'both short-lived results to expire', 5000);
    expect(await short.state()).toBe('PENDING');
    expect(await shorter.state()).toBe('PENDING');
    await expect(normal.get({ timeout: 1000 })).resolves.toBe('normal');
  });

  it('forRoot defaults apply to every task that does not say otherwise', async () => {
    const { client, redis, resultKey, settled } = await setup({ defaults: { ignoreResult: true } });
    const ignored = await client.delay(ResultTasks, 'normal');
    const kept = await client.applyAsync(ResultTasks, 'normal', [], { ignoreResult: false });
    await expect(kept.get({ timeout: 5000 })).resolves.toBe('normal');
    await settled();
    expect(await redis.exists(resultKey(ignored.id))).toBe(0);
  });

  it("the worker honours the task's own options for messages sent by name from a producer without the class", async () => {
    const { prefix, tasks, redis, resultKey, settled } = await setup();
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix });
    const client = producer.get(TaskClient);
    const ignored = await client.send('ResultTasks.fireAndForget');
    const short = await client.send('ResultTasks.shortLived');
    const overridden = await client.send('ResultTasks.fireAndForget', [], { ignoreResult: false });
    await expect(short.get({ timeout: 5000 })).resolves.toBe('short');
    await expect(overridden.get({ timeout: 5000 })).resolves.toBe('nobody reads this');
    await waitFor(() => tasks.calls === 3, 'the three tasks to run');
    await settled();
    expect(await redis.exists(resultKey(ignored.id))).toBe(0);
    const ttl = await redis.pttl(resultKey(short.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1500);
  });
});
