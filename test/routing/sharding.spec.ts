import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { currentTask, Task, TaskAdmin, TaskClient, TaskConfigError, TaskWorker, type TaskModuleOptions } from '../../lib';
import { TASK_BROKER, type Broker } from '../../lib/internal';
import { QueueShards } from '../../lib/routing/queue-shards';
import { createApp } from '../support/apps';
import { testClusterUrl, testRedisUrl, uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';

const runs: Array<{ id: string; label: string; queue: string; at: number }> = [];

@Injectable()
class ShardTasks {
  @Task({ queue: 'emails', maxRetries: 0 })
  send(label: string): string {
    runs.push({ id: currentTask().id, label, queue: currentTask().queue, at: Date.now() });
    return label;
  }

  @Task({ queue: 'emails', maxRetries: 0, unique: { key: (account: string) => account, ttl: 60_000 } })
  sync(account: string): string {
    runs.push({ id: currentTask().id, label: `sync ${account}`, queue: currentTask().queue, at: Date.now() });
    return account;
  }

  @Task({ queue: 'emails', maxRetries: 0, rateLimit: '20/s' })
  limited(label: string): string {
    runs.push({ id: currentTask().id, label, queue: currentTask().queue, at: Date.now() });
    return label;
  }
}

const labelsOf = (prefix: string) => runs.filter((r) => r.label.startsWith(prefix)).map((r) => r.label);

describe.each([
  ['one Redis node', () => testRedisUrl()],
  ['a 3-master Redis Cluster', () => testClusterUrl()],
])('a queue sharded over 4 slots on %s', (_name, brokerUrl) => {
  const apps: INestApplicationContext[] = [];
  const open = async (options: Partial<TaskModuleOptions>, prefix: string) => {
    const app = await createApp({ broker: brokerUrl(), prefix, queues: { emails: { shards: 4 } }, ...options }, [ShardTasks]);
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    runs.length = 0;
  });

  it('spreads messages round robin over the shards; a worker of the queue runs them all, ctx.queue names the queue', async () => {
    const prefix = uniquePrefix('shards');
    const producer = await open({}, prefix);
    const client = producer.get(TaskClient);
    const results = await client.delayMany(ShardTasks, 'send', Array.from({ length: 40 }, (_, i) => [`rr-${i}`] as [string]));
    const broker = producer.get<Broker>(TASK_BROKER);
    expect((await broker.knownQueues()).sort()).toEqual(['emails', 'emails#1', 'emails#2', 'emails#3']);
    for (const shard of ['emails', 'emails#1', 'emails#2', 'emails#3']) expect((await broker.queueSizes(shard)).ready).toBe(10);

    const admin = producer.get(TaskAdmin);
    const [emails] = (await admin.queues()).filter((q) => q.name === 'emails');
    expect(emails.ready).toBe(40);
    expect(emails.shards?.map((s) => [s.name, s.ready])).toEqual([['emails', 10], ['emails#1', 10], ['emails#2', 10], ['emails#3', 10]]);

    const worker = await open({}, prefix);
    await worker.get(TaskWorker).start({ queues: ['emails'], concurrency: 4 });
    await Promise.all(results.map((r) => r.get({ timeout: 10_000 })));
    expect(labelsOf('rr-').sort()).toEqual(Array.from({ length: 40 }, (_, i) => `rr-${i}`).sort());
    expect(new Set(runs.map((r) => r.queue))).toEqual(new Set(['emails']));
  });

  it('a shardKey keeps one key in one shard, in order; a lone message in another shard is not starved by a backlog', async () => {
    const prefix = uniquePrefix('shardkey');
    const producer = await open({}, prefix);
    const client = producer.get(TaskClient);
    for (let i = 0; i < 120; i++) await client.applyAsync(ShardTasks, 'send', [`key-${i}`], { shardKey: 'account-7' });
    const broker = producer.get<Broker>(TASK_BROKER);
    const sizes = await Promise.all(['emails', 'emails#1', 'emails#2', 'emails#3'].map(async (s) => (await broker.queueSizes(s)).ready));
    expect(sizes.filter((n) => n === 120)).toHaveLength(1);
    // A message of another key, in another shard than the backlog.
    const shards = new QueueShards(new Map([['emails', { shards: 4 }]]));
    const otherKey = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].find((key) => shards.pick('emails', key) !== shards.pick('emails', 'account-7'))!;
    const lone = await client.applyAsync(ShardTasks, 'send', ['lone'], { shardKey: otherKey });

    const worker = await open({}, prefix);
    await worker.get(TaskWorker).start({ queues: ['emails'], concurrency: 1 });
    await lone.get({ timeout: 20_000 });
    await waitFor(() => labelsOf('key-').length === 120, 'the keyed backlog to run', 20_000);
    expect(labelsOf('key-')).toEqual(Array.from({ length: 120 }, (_, i) => `key-${i}`));
    // One slot, four shards taking turns: the lone message runs within the first few, not after the 120.
    expect(runs.findIndex((r) => r.label === 'lone')).toBeLessThan(8);
  });

  it('priorities: within one fetch over several shards a higher priority starts first', async () => {
    const prefix = uniquePrefix('shardprio');
    const producer = await open({}, prefix);
    const client = producer.get(TaskClient);
    for (let i = 0; i < 8; i++) await client.applyAsync(ShardTasks, 'send', [`low-${i}`], { priority: 1 });
    for (let i = 0; i < 4; i++) await client.applyAsync(ShardTasks, 'send', [`high-${i}`], { priority: 9 });
    const worker = await open({}, prefix);
    // One slot, room to hold all twelve: one fetch takes them from all four shards.
    await worker.get(TaskWorker).start({ queues: ['emails'], concurrency: 1, prefetch: 12 });
    await waitFor(() => runs.length === 12, 'the twelve to run');
    expect(runs.slice(0, 4).map((r) => r.label.split('-')[0])).toEqual(['high', 'high', 'high', 'high']);
  });

  it('unique tasks stay unique and a global rate limit holds across the shards', async () => {
    const prefix = uniquePrefix('shardunique');
    const producer = await open({}, prefix);
    const client = producer.get(TaskClient);
    const ids = await Promise.all(Array.from({ length: 6 }, () => client.delay(ShardTasks, 'sync', 'acct-1').then((r) => r.id)));
    expect(new Set(ids).size).toBe(1);
    const limited = await client.delayMany(ShardTasks, 'limited', Array.from({ length: 8 }, (_, i) => [`rate-${i}`] as [string]));

    const workers = [await open({}, prefix), await open({}, prefix)];
    for (const w of workers) await w.get(TaskWorker).start({ queues: ['emails'], concurrency: 4 });
    await Promise.all([...limited.map((r) => r.get({ timeout: 10_000 })), client.result(ids[0]).get({ timeout: 10_000 })]);
    expect(runs.filter((r) => r.label === 'sync acct-1')).toHaveLength(1);
    const starts = runs.filter((r) => r.label.startsWith('rate-')).map((r) => r.at).sort((a, b) => a - b);
    // 20/s: start slots 50 ms apart, shared by every worker and every shard. The eighth slot is
    // 350 ms after the first; a busy event loop may only start the first late (a little slack).
    expect(starts[7] - starts[0]).toBeGreaterThanOrEqual(300);
  });

  it('lowering shards loses nothing: a worker still drains the shards that no longer exist; purge empties every shard', async () => {
    const prefix = uniquePrefix('reshard');
    const wide = await open({ queues: { emails: { shards: 4 } } }, prefix);
    const results = await wide.get(TaskClient).delayMany(ShardTasks, 'send', Array.from({ length: 20 }, (_, i) => [`old-${i}`] as [string]));
    const narrow = await open({ queues: { emails: { shards: 2 } } }, prefix);
    await narrow.get(TaskWorker).start({ queues: ['emails'], concurrency: 4 });
    await Promise.all(results.map((r) => r.get({ timeout: 10_000 })));
    expect(labelsOf('old-')).toHaveLength(20);
    await narrow.get(TaskWorker).stop();

    await wide.get(TaskClient).delayMany(ShardTasks, 'send', Array.from({ length: 12 }, (_, i) => [`purged-${i}`] as [string]));
    const admin = narrow.get(TaskAdmin);
    expect(await admin.purge('emails')).toBe(12);
    expect((await admin.queues()).find((q) => q.name === 'emails')?.ready).toBe(0);
  });
});

describe('queues option', () => {
  it.each([
    [{ emails: { shards: 0 } }, /queues\['emails'\]\.shards/],
    [{ emails: { shards: 2.5 } }, /queues\['emails'\]\.shards/],
    [{ emails: { shards: 'many' } }, /queues\['emails'\]\.shards/],
    [{ 'bad queue': { shards: 2 } }, /queues\['bad queue'\]/],
    [[], /queues/],
  ])('%j fails at start-up naming the option', async (queues, message) => {
    await expect(createApp({ queues: queues as TaskModuleOptions['queues'] }, [ShardTasks])).rejects.toThrow(TaskConfigError);
    await expect(createApp({ queues: queues as TaskModuleOptions['queues'] }, [ShardTasks])).rejects.toThrow(message);
  });
});
