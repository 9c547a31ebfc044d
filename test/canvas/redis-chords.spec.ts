import IORedis from 'ioredis';
import { RedisBroker, TASK_BROKER, TaskHooks, TaskRevokedError, type Broker, type TaskClient } from '../../lib/internal';
import { waitFor } from '../support/wait';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { startCluster, type Cluster } from './cluster';
import { FlowTasks } from './flow.tasks';

const TIMEOUT = 30_000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('chords on Redis with 3 worker apps', () => {
  const prefix = uniquePrefix('chords');
  const resultExpires = 60_000;
  let cluster: Cluster;
  let client: TaskClient;
  let redis: IORedis;
  const add = (a: number, b: number) => client.signature(FlowTasks, 'add', a, b);
  const total = () => client.signature(FlowTasks, 'total');

  beforeAll(async () => {
    cluster = await startCluster({ broker: testRedisUrl(), prefix, resultExpires }, { workers: 3 });
    client = cluster.client;
    redis = new IORedis(testRedisUrl());
  });
  afterAll(async () => {
    await cluster?.close();
    await redis?.quit();
  });

  it('a chord of 1000 members spread over 3 workers calls its callback exactly once, with every result in order', async () => {
    const before = cluster.calls('total');
    const result = await client.chord(range(1000).map((i) => add(i, i)), total()).applyAsync();
    await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(999_000);
    await cluster.settled(); // a second callback would have been sent and run by now
    expect(cluster.calls('total') - before).toBe(1);
    expect(cluster.totals().at(-1)).toEqual(range(1000).map((i) => 2 * i));
    // Every worker app ran part of the header: the count really was shared.
    const perWorker = cluster.apps.slice(1).map((app) => app.get(FlowTasks).calls.get('add') ?? 0);
    expect(perWorker.every((n) => n > 0)).toBe(true);
    // The members' outcomes are dropped once the callback is sent; the fired marker expires with the results.
    const keys = await redis.keys(`${prefix}:chord:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/:state$/);
    await expect(redis.get(keys[0])).resolves.toBe('fired');
    const ttl = await redis.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(resultExpires);
  });

  it('20 chords finishing at the same time each call their callback once', async () => {
    const before = cluster.calls('total');
    const results = await Promise.all(range(20).map((c) => client.chord(range(50).map((i) => add(c, i)), total()).applyAsync()));
    const values = await Promise.all(results.map((r) => r.get({ timeout: TIMEOUT })));
    expect(values).toEqual(range(20).map((c) => 50 * c + 1225));
    await cluster.settled();
    expect(cluster.calls('total') - before).toBe(20);
  });

  it('a step of a chain can wait: countdown counts from when the step is sent', async () => {
    const started = Date.now();
    const result = await client.chain(add(1, 1), client.signature(FlowTasks, 'add', 1).set({ countdown: 600 })).applyAsync();
    await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('a revoked step stops its chain: the later steps are REVOKED and get() says why', async () => {
    const [first, second, third] = [`first-${uniquePrefix()}`, `second-${uniquePrefix()}`, `third-${uniquePrefix()}`];
    const before = cluster.calls('label');
    const result = await client
      .chain(
        client.signature(FlowTasks, 'sleep', 300).set({ taskId: first }),
        client.signature(FlowTasks, 'label', 'never').set({ taskId: second }),
        client.signature(FlowTasks, 'label', 'never').set({ taskId: third }),
      )
      .applyAsync();
    await client.revoke(second);
    const error = (await result.get({ timeout: TIMEOUT }).catch((e: unknown) => e)) as TaskRevokedError;
    expect(error).toBeInstanceOf(TaskRevokedError);
    expect(error.reason).toContain(`FlowTasks.label[${second}] was revoked`);
    await expect(client.result(second).state()).resolves.toBe('REVOKED');
    // The first step has finished and whatever it sent has been handled: the rest never ran.
    await expect(client.result(first).get({ timeout: TIMEOUT })).resolves.toBe(300);
    await cluster.settled();
    expect(cluster.calls('label')).toBe(before);
  });
});

describe('chords when messages are delivered again (lost before acknowledgement)', () => {
  let cluster: Cluster;
  const lostOnce = new Set<string>();

  beforeAll(async () => {
    cluster = await startCluster({ broker: testRedisUrl(), prefix: uniquePrefix('redeliver'), visibilityTimeout: 1000 }, { workers: 3 });
    // After the workflow hook has counted the member (and maybe sent the callback), the
    // first delivery of every chord member "crashes" before its acknowledgement.
    for (const app of cluster.apps.slice(1)) {
      app.get(TaskHooks).onOutcome((message) => {
        if (!message.chord || lostOnce.has(message.id)) return;
        lostOnce.add(message.id);
        throw new Error('lost before ack');
      });
    }
  });
  afterAll(() => cluster?.close());

  it('counts each member once and calls the callback once', async () => {
    const { client } = cluster;
    const header = range(30).map((i) => client.signature(FlowTasks, 'add', i, 1));
    const result = await client.chord(header, client.signature(FlowTasks, 'total')).applyAsync();
    await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(465);
    // Every member ran twice: its first delivery was lost after it was counted.
    // Every delivery, the repeated ones included, has run and been acknowledged.
    await cluster.settled();
    expect(cluster.calls('add')).toBe(60);
    expect(lostOnce.size).toBe(30);
    expect(cluster.calls('total')).toBe(1);
  });
});

describe('the chord counter script', () => {
  it('is atomic across connections: exactly one of many simultaneous reports completes the chord, and none after it fired', async () => {
    const prefix = uniquePrefix('counter');
    const brokers = range(3).map(() => new RedisBroker(testRedisUrl(), { prefix, maxDeliveries: 10, connectRetries: 1, connectRetryDelay: 100 }));
    try {
      await Promise.all(brokers.map((b) => b.connect()));
      const stores = brokers.map((b) => b.canvasStore());
      const size = 300;
      const entry = (i: number) => ({ ok: true as const, value: i * 10 });
      const part = (id: string, index: number) => ({ id, index, size });
      // Each member reported once, over three connections at the same time.
      const replies = await Promise.all(range(size).map((i) => stores[i % 3].chordPart(part('once', i), entry(i), 60_000)));
      const complete = replies.filter((r) => r.complete);
      expect(complete).toHaveLength(1);
      expect(complete[0].complete).toEqual({ entries: range(size).map(entry), failedIndex: null });
      // Until the chord fires, only the member that completed it (its message delivered again) sees it complete.
      const completer = replies.indexOf(complete[0]);
      await expect(stores[2].chordPart(part('once', completer), entry(completer), 60_000)).resolves.toEqual(complete[0]);
      const other = (completer + 1) % size;
      await expect(stores[2].chordPart(part('once', other), entry(other), 60_000)).resolves.toEqual({ firstFailure: false });
      await stores[0].chordFired('once', 60_000);
      await expect(stores[1].chordPart(part('once', completer), entry(completer), 60_000)).resolves.toEqual({ firstFailure: false });

      // Every member reported by all three connections at once (as redelivered messages would be):
      // counted once each, and only the completing member's reports see the chord complete.
      const repeated = await Promise.all(range(size).flatMap((i) => stores.map((store) => store.chordPart(part('thrice', i), entry(i), 60_000))));
      const completing = repeated.map((r, n) => (r.complete ? Math.floor(n / 3) : null)).filter((i) => i !== null);
      expect(completing.length).toBeGreaterThanOrEqual(1);
      expect(new Set(completing).size).toBe(1);
      expect(repeated.find((r) => r.complete)?.complete?.entries).toEqual(range(size).map(entry));
    } finally {
      await Promise.all(brokers.map((b) => b.close()));
    }
  });

  it('names the first failure once, and reports it when the chord completes', async () => {
    const prefix = uniquePrefix('counter');
    const broker = new RedisBroker(testRedisUrl(), { prefix, maxDeliveries: 10, connectRetries: 1, connectRetryDelay: 100 });
    try {
      await broker.connect();
      const store = broker.canvasStore();
      const failure = (taskId: string) => ({ ok: false as const, failure: { taskId, task: 't', state: 'FAILURE' as const, error: { name: 'Error', message: taskId } } });
      const part = (index: number) => ({ id: 'chord-2', index, size: 3 });
      await expect(store.chordPart(part(2), failure('b'), 60_000)).resolves.toEqual({ firstFailure: true });
      await expect(store.chordPart(part(0), failure('a'), 60_000)).resolves.toEqual({ firstFailure: false });
      const reply = await store.chordPart(part(1), { ok: true, value: 1 }, 60_000);
      expect(reply.firstFailure).toBe(false);
      expect(reply.complete?.failedIndex).toBe(2);
      expect(reply.complete?.entries[2]).toEqual(failure('b'));
    } finally {
      await broker.close();
    }
  });
});

describe('a chord whose completing member is delivered again after its callback was sent, before the chord was marked fired', () => {
  it('does not send the callback again once it has run', async () => {
    // One worker app; its canvas store "crashes" the first time it would mark a chord fired,
    // after the callback was sent: the completing member is delivered again and completes the chord again.
    const cluster = await startCluster({ broker: testRedisUrl(), prefix: uniquePrefix('refire'), visibilityTimeout: 1000 }, { workers: 1 });
    try {
      const worker = cluster.apps[1];
      const store = worker.get<Broker>(TASK_BROKER).canvasStore();
      const markFired = store.chordFired.bind(store);
      let crashed = 0;
      store.chordFired = async (id, ttl) => {
        if (crashed++ === 0) throw new Error('crashed after sending the callback');
        return markFired(id, ttl);
      };
      const { client } = cluster;
      const result = await client.chord(range(3).map((i) => client.signature(FlowTasks, 'add', i, 1)), client.signature(FlowTasks, 'total')).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(6);
      // The redelivered member completes the chord again, and this time marks it fired.
      await waitFor(() => crashed >= 2, 'the chord to be marked fired after the redelivery', TIMEOUT);
      await cluster.settled();
      expect(cluster.calls('add')).toBe(4);
      expect(cluster.calls('total')).toBe(1);
    } finally {
      await cluster.close();
    }
  });
});
