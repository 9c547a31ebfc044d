import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import {
  currentTask,
  OnTaskEvent,
  Task,
  TaskAdmin,
  TaskClient,
  TaskScheduler,
  TaskState,
  TaskWorker,
  type TaskEvent,
  type TaskModuleOptions,
} from '../../lib';
import { keySlot } from '../../lib/broker/redis/cluster/key-slot';
import { RedisKeys } from '../../lib/broker/redis/redis-keys';
import { createApp } from '../support/apps';
import { testClusterNodes, testClusterUrl, uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';

const ran: Array<{ id: string; name: string; queue: string; args: unknown[]; at: number }> = [];
const events: TaskEvent[] = [];
const attempts = new Map<string, number>();
let release: (() => void) | undefined;

@Injectable()
class ClusterTasks {
  @Task({ maxRetries: 0 })
  record(label: string): string {
    const ctx = currentTask();
    ran.push({ id: ctx.id, name: ctx.name, queue: ctx.queue, args: [...ctx.args], at: Date.now() });
    return `done ${label}`;
  }

  @Task({ maxRetries: 3, retryBackoff: false, retryDelay: 10 })
  flaky(key: string): number {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    if (n < 3) throw new Error(`attempt ${n} fails`);
    return n;
  }

  @Task({ maxRetries: 0 })
  async hold(): Promise<string> {
    const { signal } = currentTask();
    await new Promise<void>((resolve) => {
      release = resolve;
      signal.addEventListener('abort', () => resolve());
    });
    return 'released';
  }

  @Task({ maxRetries: 0 })
  add(a: number, b = 0): number {
    return a + b;
  }

  @Task({ maxRetries: 0 })
  sum(values: number[]): number {
    return values.reduce((total, value) => total + value, 0);
  }

  @Task({ maxRetries: 0, unique: { key: (id: string) => id, ttl: 60_000 } })
  once(id: string): string {
    return id;
  }

  @OnTaskEvent('*')
  onEvent(event: TaskEvent): void {
    events.push(event);
  }
}

/** Queue names whose slots lie on at least two of the cluster's masters. */
async function queuesOnSeveralMasters(prefix: string): Promise<string[]> {
  const cluster = new Cluster(testClusterNodes(), { lazyConnect: true });
  await cluster.connect();
  try {
    const keys = new RedisKeys(prefix);
    const ownerOf = (queue: string) => cluster.slots[keySlot(keys.queue(queue).ready)]?.[0];
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
    const chosen: string[] = [];
    const owners = new Set<string>();
    for (const name of names) {
      const owner = ownerOf(name);
      if (!owners.has(owner) || chosen.length < 2) {
        owners.add(owner);
        chosen.push(name);
      }
      if (owners.size >= 3 && chosen.length >= 3) break;
    }
    expect(owners.size).toBeGreaterThanOrEqual(2);
    return chosen;
  } finally {
    cluster.disconnect();
  }
}

describe('a Nest app on a 3-master Redis Cluster', () => {
  let app: INestApplicationContext;
  let client: TaskClient;
  let queues: string[];
  let prefix: string;

  beforeAll(async () => {
    prefix = uniquePrefix('cluster');
    queues = await queuesOnSeveralMasters(prefix);
    const options: TaskModuleOptions = {
      broker: testClusterUrl(),
      prefix,
      events: true,
      beat: { schedule: [{ name: 'every-second', task: 'ClusterTasks.record', args: ['beat'], every: 1000 }] },
    };
    app = await createApp(options, [ClusterTasks]);
    client = app.get(TaskClient);
    await app.get(TaskWorker).start({ queues: [...queues, 'default'], concurrency: 8, beat: true });
  });

  afterAll(async () => {
    release?.();
    await app?.close();
  });

  it('runs tasks from queues in different slots on different masters, with results, countdowns and expiry', async () => {
    const results = await Promise.all(queues.map((queue, i) => client.applyAsync(ClusterTasks, 'record', [`q${i}`], { queue })));
    await expect(Promise.all(results.map((r) => r.get({ timeout: 10_000 })))).resolves.toEqual(queues.map((_, i) => `done q${i}`));
    expect(new Set(ran.filter((r) => r.args[0] !== 'beat').map((r) => r.queue))).toEqual(new Set(queues));

    const sent = Date.now();
    const later = await client.applyAsync(ClusterTasks, 'record', ['later'], { queue: queues[1], countdown: 300 });
    await later.get({ timeout: 10_000 });
    expect(ran.find((r) => r.id === later.id)!.at - sent).toBeGreaterThanOrEqual(290);

    const expired = await client.applyAsync(ClusterTasks, 'record', ['stale'], { queue: queues[2], countdown: 200, expires: 100 });
    await waitFor(async () => (await expired.state()) === TaskState.REVOKED, 'the expired task to be revoked');
    expect(ran.some((r) => r.id === expired.id)).toBe(false);
  });

  it('retries, revokes a running task with terminate, and keeps unique tasks unique', async () => {
    const flaky = await client.delay(ClusterTasks, 'flaky', 'k1');
    await expect(flaky.get({ timeout: 10_000 })).resolves.toBe(3);

    const held = await client.applyAsync(ClusterTasks, 'hold', [], { queue: queues[0] });
    await waitFor(async () => (await held.state()) === TaskState.STARTED, 'the held task to start');
    await client.revoke(held.id, { terminate: true });
    await waitFor(async () => (await held.state()) === TaskState.REVOKED, 'the held task to be revoked');

    const [first, second] = await Promise.all([client.delay(ClusterTasks, 'once', 'u-1'), client.delay(ClusterTasks, 'once', 'u-1')]);
    expect(second.id).toBe(first.id);
    await expect(first.get({ timeout: 10_000 })).resolves.toBe('u-1');
  });

  it('chain, group and chord, with members in different slots', async () => {
    const add = (a: number, queue: string) => client.signature(ClusterTasks, 'add', a).set({ queue });
    const chain = await client.chain(add(1, queues[0]), add(2, queues[1]), add(3, queues[2])).applyAsync();
    await expect(chain.get({ timeout: 10_000 })).resolves.toBe(6);
    const group = await client.group(...queues.map((queue, i) => add(i + 1, queue))).applyAsync();
    await expect(group.get({ timeout: 10_000 })).resolves.toEqual(queues.map((_, i) => i + 1));
    const chord = await client.chord(queues.map((queue, i) => add(i + 10, queue)), client.signature(ClusterTasks, 'sum')).applyAsync();
    await expect(chord.get({ timeout: 10_000 })).resolves.toBe(queues.reduce((total, _, i) => total + i + 10, 0));
  });

  it('runtime rate limits, the beat leader, events, remote control and the admin views', async () => {
    await client.setRateLimit('ClusterTasks.record', '600/m');
    await waitFor(async () => (await client.control().setRateLimit('ClusterTasks.record', '600/m')) !== undefined, 'a control reply');
    const pings = await client.inspect().ping({ timeout: 2000 });
    expect(Object.values(pings)).toContain('pong');

    await waitFor(() => ran.some((r) => r.args[0] === 'beat'), 'a beat tick to run');
    expect(app.get(TaskScheduler).isLeader).toBe(true);

    await waitFor(() => events.some((e) => e.type === 'succeeded'), 'a succeeded event');
    const admin = app.get(TaskAdmin);
    const names = (await admin.queues()).map((q) => q.name);
    for (const queue of queues) expect(names).toContain(queue);
    const tasks = await admin.tasks({ limit: 500 });
    expect(tasks.length).toBeGreaterThan(3);
  });

  it.each([
    ['{ cluster }', (own: Cluster) => ({ cluster: own })],
    ['{ redis }', (own: Cluster) => ({ redis: own as unknown as Redis })],
  ])('accepts an ioredis Cluster the user owns as %s, and leaves it open on close', async (_form, broker) => {
    const own = new Cluster(testClusterNodes());
    const other = await createApp({ broker: broker(own), prefix }, [ClusterTasks]);
    try {
      const result = await other.get(TaskClient).applyAsync(ClusterTasks, 'record', ['own'], { queue: queues[0] });
      await expect(result.get({ timeout: 10_000 })).resolves.toBe('done own');
    } finally {
      await other.close();
    }
    expect(await own.ping()).toBe('PONG');
    own.disconnect();
  });

  it('names every node when the cluster cannot be reached', async () => {
    await expect(createApp({ broker: 'redis+cluster://127.0.0.1:1,127.0.0.1:2', connectRetries: 1 }, [ClusterTasks])).rejects.toThrow(
      /127\.0\.0\.1:1,127\.0\.0\.1:2/,
    );
  });
});
