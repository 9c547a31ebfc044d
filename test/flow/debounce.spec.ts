import type { INestApplicationContext } from '@nestjs/common';
import { TaskClient, TaskConfigError, TaskRecorder, TaskRevokedError, TaskWorker, type AsyncResult, type TaskModuleOptions } from '../../lib';
import { keySlot } from '../../lib/broker/redis/cluster/key-slot';
import { RedisKeys } from '../../lib/broker/redis/redis-keys';
import { DebounceRunLog, DebounceTasks, type DebouncedRun } from '../fixtures/debounce-tasks';
import { testClusterUrl, testRedisUrl, uniquePrefix } from '../support/redis-url';
import { TestResources } from '../support/test-resources';
import { sleep, waitFor } from '../support/wait';

jest.setTimeout(60_000);

const DELAY = 1500;

/** Sends `count` calls `gapMs` apart (pacing the producer, as a burst of requests would); the last one's send time. */
async function burst(count: number, gapMs: number, call: (version: number) => Promise<AsyncResult<string>>): Promise<{ results: Array<AsyncResult<string>>; lastSentAt: number }> {
  const results: Array<AsyncResult<string>> = [];
  let lastSentAt = 0;
  for (let version = 1; version <= count; version++) {
    if (version > 1) await sleep(gapMs);
    lastSentAt = Date.now();
    results.push(await call(version));
  }
  return { results, lastSentAt };
}

const backends: Array<[string, () => TaskModuleOptions]> = [
  ['memory', () => ({ broker: 'memory://' })],
  ['redis', () => ({ broker: testRedisUrl(), prefix: uniquePrefix('debounce') })],
];

describe.each(backends)('debounce on %s', (_name, options) => {
  const h = new TestResources();
  afterEach(() => h.closeAll());

  async function started(): Promise<{ app: INestApplicationContext; client: TaskClient; runs: DebouncedRun[] }> {
    const app = await h.taskApp(options(), [DebounceTasks, DebounceRunLog]);
    await app.get(TaskWorker).start({ concurrency: 4 });
    return { app, client: app.get(TaskClient), runs: app.get(DebounceRunLog).runs };
  }

  it('50 calls in 1 s make one run, delay after the last call, with its arguments; all 50 results resolve to it', async () => {
    const { client, runs, app } = await started();
    const { results, lastSentAt } = await burst(50, 20, (v) => client.applyAsync(DebounceTasks, 'recompute', ['acct-1', v]));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const values = await Promise.all(results.map((r) => r.get({ timeout: 15_000 })));
    expect(values).toEqual(Array(50).fill('acct-1@50'));
    expect(runs.map((r) => r.args)).toEqual([['acct-1', 50]]);
    expect((await results[0].info())!.startedAt).toBeGreaterThanOrEqual(lastSentAt + DELAY);
    await waitFor(async () => (await h.broker(app).queueSizes('default')).active === 0, 'the ack');
    expect(await h.broker(app).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });

  it('maxWait caps the push-back: a key called every 50 ms for 2.5 s runs more than once', async () => {
    const { client, runs } = await started();
    const { results } = await burst(50, 50, (v) => client.applyAsync(DebounceTasks, 'capped', ['acct-2', v]));
    const values = await Promise.all(results.map((r) => r.get({ timeout: 15_000 })));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBe(new Set(results.map((r) => r.id)).size);
    // Each call resolves to the run of its window: the last call of that window's arguments.
    const byId = new Map(runs.map((r) => [r.id, `acct-2@${String(r.args[1])}`]));
    expect(values).toEqual(results.map((r) => byId.get(r.id)));
    expect(values[49]).toBe('acct-2@50');
    expect(runs[0].args[1]).toBeLessThan(50);
  });

  it('a call after the run started opens a second window: a second run', async () => {
    const { client, runs } = await started();
    const first = await client.send<string>('DebounceTasks.recompute', ['acct-3', 1, 800], { debounce: { key: 'acct-3', delay: 100 } });
    await waitFor(async () => (await first.state()) === 'STARTED', 'the first run to start');
    const second = await client.send<string>('DebounceTasks.recompute', ['acct-3', 2], { debounce: { key: 'acct-3', delay: 100 } });
    expect(second.id).not.toBe(first.id);
    await expect(first.get({ timeout: 10_000 })).resolves.toBe('acct-3@1');
    await expect(second.get({ timeout: 10_000 })).resolves.toBe('acct-3@2');
    expect(runs.map((r) => r.args)).toEqual([['acct-3', 1], ['acct-3', 2]]);
  });

  it('different keys, and the same key of different tasks, do not collapse; a call option overrides the task key and delay', async () => {
    const { client, runs } = await started();
    const calls = await Promise.all([
      client.applyAsync(DebounceTasks, 'recompute', ['a', 1], { debounce: { key: 'k-a', delay: 200 } }),
      client.applyAsync(DebounceTasks, 'recompute', ['b', 1], { debounce: { key: 'k-b', delay: 200 } }),
      client.applyAsync(DebounceTasks, 'recompute', ['a', 2], { debounce: { key: 'k-a', delay: 200 } }),
      client.applyAsync(DebounceTasks, 'recompute', ['b', 2], { debounce: { key: 'k-b', delay: 200 } }),
      client.applyAsync(DebounceTasks, 'plain', [7], { debounce: { key: 'k-a', delay: 200 } }),
    ]);
    expect(calls[0].id).toBe(calls[2].id);
    expect(calls[1].id).toBe(calls[3].id);
    expect(new Set(calls.map((c) => c.id)).size).toBe(3);
    expect(await Promise.all(calls.map((c) => c.get({ timeout: 10_000 })))).toEqual(['a@2', 'b@2', 'a@2', 'b@2', 7]);
    expect(runs).toHaveLength(3);
  });

  it('revoking the collapsed id revokes the one run for every caller; the next call opens a new window', async () => {
    const { client, runs, app } = await started();
    const calls = await Promise.all([1, 2, 3].map((v) => client.applyAsync(DebounceTasks, 'recompute', ['acct-4', v], { debounce: { key: 'acct-4', delay: DELAY } })));
    await calls[1].revoke();
    for (const call of calls) await expect(call.get({ timeout: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    const next = await client.applyAsync(DebounceTasks, 'recompute', ['acct-4', 4], { debounce: { key: 'acct-4', delay: 100 } });
    expect(next.id).not.toBe(calls[0].id);
    await expect(next.get({ timeout: 10_000 })).resolves.toBe('acct-4@4');
    // The revoked message came due and was dropped (the queue is empty): it never ran, the only run is the new window's.
    await waitFor(async () => {
      const sizes = await h.broker(app).queueSizes('default');
      return sizes.delayed + sizes.ready + sizes.active === 0;
    }, 'the revoked message to be dropped');
    expect(runs.map((r) => r.args)).toEqual([['acct-4', 4]]);
  });

  it('bad options are refused at call time with TaskConfigError, and nothing is enqueued', async () => {
    const { client, app } = await started();
    const bad: Array<[string, () => Promise<unknown>]> = [
      ['empty key', () => client.send('DebounceTasks.plain', [1], { debounce: { key: '', delay: 100 } })],
      ['oversize key', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k'.repeat(501), delay: 100 } })],
      ['zero delay', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k', delay: 0 } })],
      ['maxWait < delay', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k', delay: 100, maxWait: 50 } })],
      ['no delay on a task without debounce', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k' } })],
      ['taskId', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k', delay: 100 }, taskId: 'mine' })],
      ['uniqueKey', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k', delay: 100 }, uniqueKey: 'u' })],
      ['countdown', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k', delay: 100 }, countdown: 10 })],
      ['eta', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k', delay: 100 }, eta: Date.now() + 10 })],
      ['shardKey', () => client.send('DebounceTasks.plain', [1], { debounce: { key: 'k', delay: 100 }, shardKey: 's' })],
      ['countdown on a debounced task', () => client.applyAsync(DebounceTasks, 'recompute', ['a', 1], { countdown: 10 })],
      ['an empty key from the key function', () => client.delay(DebounceTasks, 'recompute', '', 1)],
      ['delayMany of a debounced task', () => client.delayMany(DebounceTasks, 'recompute', [['a', 1]])],
      ['debounce in delayMany', () => client.delayMany(DebounceTasks, 'plain', [[1]], { debounce: { key: 'k', delay: 100 } } as never)],
    ];
    for (const [what, call] of bad) {
      await expect(call().then(() => `${what}: accepted`)).rejects.toBeInstanceOf(TaskConfigError);
    }
    expect(() => client.signature(DebounceTasks, 'recompute', 'a', 1)).toThrow(TaskConfigError);
    expect(() => client.signature('DebounceTasks.plain', [1]).set({ debounce: { key: 'k', delay: 100 } } as never)).toThrow(TaskConfigError);
    expect(await h.broker(app).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });
});

describe('debounce in eager mode', () => {
  const h = new TestResources();
  afterEach(() => h.closeAll());

  it('runs each call inline at once, as eager mode does with a countdown', async () => {
    const app = await h.taskApp({ broker: 'memory://', eager: true }, [DebounceTasks, DebounceRunLog]);
    const client = app.get(TaskClient);
    const first = await client.delay(DebounceTasks, 'recompute', 'acct-5', 1);
    const second = await client.delay(DebounceTasks, 'recompute', 'acct-5', 2);
    expect(first.id).not.toBe(second.id);
    await expect(first.get()).resolves.toBe('acct-5@1');
    await expect(second.get()).resolves.toBe('acct-5@2');
    expect(app.get(DebounceRunLog).runs.map((r) => r.args)).toEqual([['acct-5', 1], ['acct-5', 2]]);
  });
});

describe('debounce in recording mode', () => {
  const h = new TestResources();
  afterEach(() => h.closeAll());

  it('records each call on its own, and drain() runs each', async () => {
    const app = await h.taskApp({ broker: 'memory://', record: true }, [DebounceTasks, DebounceRunLog]);
    const client = app.get(TaskClient);
    await client.delay(DebounceTasks, 'recompute', 'acct-8', 1);
    await client.delay(DebounceTasks, 'recompute', 'acct-8', 2);
    const recorder = app.get(TaskRecorder);
    expect(recorder.enqueued(DebounceTasks, 'recompute')).toEqual([['acct-8', 1], ['acct-8', 2]]);
    await recorder.drain();
    expect(app.get(DebounceRunLog).runs.map((r) => r.args)).toEqual([['acct-8', 1], ['acct-8', 2]]);
  });
});

describe('debounce on Redis: keys, shards, worker processes', () => {
  const h = new TestResources();
  afterEach(() => h.closeAll());

  it("the window record is named in the queue's slot, for plain queues and shards", () => {
    const keys = new RedisKeys('tasks');
    for (const queue of ['emails', 'emails#3']) {
      expect(new Set([...keys.queue(queue).list, keys.debounce(queue, 'Search.reindex:acct-1')].map(keySlot)).size).toBe(1);
    }
  });

  it('the window record lives in the queue slot and expires by itself', async () => {
    const prefix = uniquePrefix('debounce');
    const app = await h.taskApp({ broker: testRedisUrl(), prefix }, [DebounceTasks, DebounceRunLog]);
    const result = await app.get(TaskClient).delay(DebounceTasks, 'recompute', 'acct-6', 1);
    const redis = h.redis(testRedisUrl());
    const key = `${prefix}:{default}:debounce:DebounceTasks.recompute:acct-6`;
    expect(await redis.hget(key, 'id')).toBe(result.id);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(DELAY);
    expect(ttl).toBeLessThanOrEqual(DELAY + 10 * 60 * 1000);
  });

  it('a Celery-protocol queue refuses debounce with TaskConfigError', async () => {
    const app = await h.taskApp({ broker: testRedisUrl(), prefix: uniquePrefix('debounce'), queues: { legacy: { protocol: 'celery' } } }, [DebounceTasks, DebounceRunLog]);
    const client = app.get(TaskClient);
    await expect(client.send('DebounceTasks.plain', [1], { queue: 'legacy', debounce: { key: 'k', delay: 100 } })).rejects.toThrow(TaskConfigError);
    await expect(client.applyAsync(DebounceTasks, 'recompute', ['a', 1], { queue: 'legacy' })).rejects.toThrow(/Celery's queue 'legacy' has no debounce/);
  });

  it('on a sharded queue of a Cluster, one key collapses in one shard and keys spread over shards', async () => {
    const app = await h.taskApp(
      { broker: testClusterUrl(), prefix: uniquePrefix('debounce'), queues: { default: { shards: 4 } } },
      [DebounceTasks, DebounceRunLog],
    );
    const client = app.get(TaskClient);
    const keys = Array.from({ length: 8 }, (_, i) => `acct-${i}`);
    const calls = await Promise.all(keys.flatMap((key) => [1, 2, 3].map((v) => client.applyAsync(DebounceTasks, 'recompute', [key, v], { debounce: { key, delay: 200 } }))));
    expect(new Set(calls.map((c) => c.id)).size).toBe(keys.length);
    const sizes = await Promise.all(['default', 'default#1', 'default#2', 'default#3'].map((shard) => h.broker(app).queueSizes(shard)));
    expect(sizes.reduce((sum, s) => sum + s.delayed, 0)).toBe(keys.length);
    expect(sizes.filter((s) => s.delayed > 0).length).toBeGreaterThan(1);
    await app.get(TaskWorker).start({ concurrency: 4 });
    const values = await Promise.all(calls.map((c) => c.get({ timeout: 15_000 })));
    expect(values).toEqual(keys.flatMap((key) => [`${key}@3`, `${key}@3`, `${key}@3`]));
    expect(app.get(DebounceRunLog).runs).toHaveLength(keys.length);
  });

  it('a worker in another process runs the collapsed task once, with the last arguments', async () => {
    const prefix = uniquePrefix('debounce');
    const runsKey = `${prefix}:test-runs`;
    const worker = await h.spawnWorker('debounce-worker-main', { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, DEBOUNCE_RUNS_KEY: runsKey });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, [DebounceTasks, DebounceRunLog]);
    const client = producer.get(TaskClient);
    const { results } = await burst(50, 20, (v) => client.delay(DebounceTasks, 'recompute', 'acct-7', v));
    expect(await Promise.all(results.map((r) => r.get({ timeout: 15_000 })))).toEqual(Array(50).fill('acct-7@50'));
    const redis = h.redis(testRedisUrl());
    const runs = (await redis.lrange(runsKey, 0, -1)).map((raw) => JSON.parse(raw) as DebouncedRun);
    expect(runs).toEqual([{ id: results[0].id, task: 'DebounceTasks.recompute', args: ['acct-7', 50], pid: worker.pid }]);
    await redis.del(runsKey);
  });
});
