import IORedis from 'ioredis';
import { AsyncResult, ReplicationTimeoutError, TaskClient, TaskScheduler, TaskState } from '../../lib';
import { FoundationTasks, Greeter } from '../fixtures/foundation-tasks';
import { uniquePrefix } from '../support/redis-url';
import { SENTINEL_MASTER, startSentinelSetup, type SentinelSetup } from '../support/redis-sentinel';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';

/** How long every part may take to resume after a failover. */
const RESUME_MS = 10_000;

async function askSentinel(port: number, ...args: string[]): Promise<unknown> {
  const sentinel = new IORedis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
  try {
    await sentinel.connect();
    return await sentinel.call('SENTINEL', ...args);
  } finally {
    sentinel.disconnect();
  }
}

/**
 * Publishes `greet` at a steady pace until stopped; records which publishes were
 * acknowledged (and when) and which failed.
 */
class SteadyProducer {
  readonly acknowledged: Array<{ result: AsyncResult<string>; at: number; label: string }> = [];
  failed = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(client: TaskClient, total: number, perTick: number) {
    this.done = (async () => {
      for (let sent = 0; this.running && sent < total; sent += perTick) {
        const batch = Array.from({ length: Math.min(perTick, total - sent) }, (_, i) =>
          client.delay(FoundationTasks, 'greet', `n${sent + i}`).then(
            (result) => void this.acknowledged.push({ result, at: Date.now(), label: `n${sent + i}` }),
            () => void this.failed++,
          ),
        );
        await Promise.all([...batch, new Promise((resolve) => setTimeout(resolve, 10))]);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  finished(): Promise<void> {
    return this.done;
  }
}

describe('Redis Sentinel', () => {
  let setup: SentinelSetup;
  const resources = new TestResources();

  beforeAll(async () => {
    setup = await startSentinelSetup();
  });
  beforeEach(() => setup.inSync());
  afterEach(() => resources.closeAll());
  afterAll(() => setup?.stop());

  it("runs tasks through 'redis+sentinel://' and { redis: { sentinels, name } }; 'replicated' durability waits for the replica", async () => {
    const prefix = uniquePrefix('sentinel');
    const worker = await resources.spawnWorker('foundation-worker-main', { REDIS_URL: setup.url, TASK_PREFIX: prefix });
    expect(worker.isRunning()).toBe(true);
    const byUrl = await resources.taskApp({ broker: setup.url, prefix, durability: 'replicated' }, [FoundationTasks, Greeter]);
    const byOptions = await resources.taskApp({ broker: { redis: { sentinels: setup.sentinels.slice(1), name: SENTINEL_MASTER } }, prefix }, [FoundationTasks, Greeter]);
    const one = await byUrl.get(TaskClient).delay(FoundationTasks, 'greet', 'url');
    const two = await byOptions.get(TaskClient).delay(FoundationTasks, 'greet', 'options');
    await expect(one.get({ timeout: 10_000 })).resolves.toBe('hello, url');
    await expect(two.get({ timeout: 10_000 })).resolves.toBe('hello, options');

    // Without a replica, a 'replicated' publish is refused with a typed error after its timeout.
    const [, replica] = setup.servers;
    await replica.halt();
    try {
      const strict = await resources.taskApp({ broker: setup.url, prefix, durability: 'replicated', replicationTimeout: 200 }, [FoundationTasks, Greeter]);
      await expect(strict.get(TaskClient).delay(FoundationTasks, 'greet', 'alone')).rejects.toBeInstanceOf(ReplicationTimeoutError);
    } finally {
      await replica.resume();
      await setup.inSync();
    }
  });

  it.each([
    ['SENTINEL FAILOVER', 'failover'],
    ['the master killed', 'kill'],
  ] as const)('after a failover (%s) under load, workers, producers, result waiters and the scheduler resume within 10 s and every later task completes', async (_name, how) => {
    const prefix = uniquePrefix(`failover-${how}`);
    await resources.spawnWorker('foundation-worker-main', { REDIS_URL: setup.url, TASK_PREFIX: prefix, CONCURRENCY: 8 });
    await resources.spawnWorker('foundation-worker-main', { REDIS_URL: setup.url, TASK_PREFIX: prefix, CONCURRENCY: 8 });
    // The producer's app also runs the scheduler: a tick every second.
    const producerApp = await resources.taskApp(
      { broker: setup.url, prefix, beat: { leaderLease: 1500, checkInterval: 100, schedule: [{ name: 'tick', task: 'FoundationTasks.greet', args: ['beat'], every: 1000 }] } },
      [FoundationTasks, Greeter],
    );
    await producerApp.get(TaskScheduler).start();
    const client = producerApp.get(TaskClient);
    const oldMaster = await setup.masterPort();

    const producer = new SteadyProducer(client, 2000, 10);
    await waitFor(() => producer.acknowledged.length >= 300, '300 acknowledged publishes before the failover', 20_000);
    // A result waiter that spans the failover.
    const spanning = producer.acknowledged[producer.acknowledged.length - 1];
    const waiting = spanning.result.get({ timeout: 30_000 }).catch(() => null);

    const failedAt = Date.now();
    if (how === 'failover') {
      await askSentinel(setup.sentinels[0].port, 'FAILOVER', SENTINEL_MASTER);
    } else {
      const server = setup.servers.find((s) => s.port === oldMaster)!;
      await server.halt();
    }
    await waitFor(async () => (await setup.masterPort()) !== oldMaster, 'a new master', 30_000, 100);
    const promotedAt = Date.now();
    await producer.finished();

    // The scheduler goes on by itself: a tick scheduled after the new master was known is sent and runs.
    const tick = await waitFor(async () => {
      const [info] = await producerApp.get(TaskScheduler).list();
      return info?.lastRunAt !== null && info.lastRunAt! > promotedAt ? info.lastRunAt! : null;
    }, 'a scheduler tick after the failover', RESUME_MS, 100);
    await expect(client.result(`beat:tick:${new Date(tick).toISOString()}`).get({ timeout: RESUME_MS })).resolves.toBe('hello, beat');

    const after = producer.acknowledged.filter((entry) => entry.at > promotedAt);
    expect(after.length).toBeGreaterThan(0);
    // Producers resumed within 10 s of the failover.
    expect(after[0].at - failedAt).toBeLessThan(RESUME_MS + (promotedAt - failedAt));
    // Every task acknowledged after the failover completes.
    const outcomes = await Promise.all(after.map((entry) => entry.result.get({ timeout: 30_000 }).then(() => 'ok', () => 'lost')));
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
    // The waiter that spanned the failover got its answer, unless its task was among the few lost to asynchronous replication.
    const before = producer.acknowledged.filter((entry) => entry.at <= failedAt);
    const states = await Promise.all(before.map((entry) => waitFor(async () => {
      const state = await entry.result.state().catch(() => null);
      return state === TaskState.SUCCESS ? state : null;
    }, 'done', 15_000, 50).catch(() => 'lost')));
    const lost = states.filter((state) => state === 'lost').length;
    const spanningLost = states[before.indexOf(spanning)] === 'lost';
    // The figure the issue asks for: acknowledged before the failover, gone with the old master.
    process.stdout.write(`sentinel failover (${how}): ${before.length} acknowledged before, ${lost} lost to asynchronous replication; ${after.length} after, none lost; ${producer.failed} publishes refused while no master was known; new master after ${promotedAt - failedAt} ms\n`);
    expect(await waiting).toBe(spanningLost ? null : `hello, ${spanning.label}`);
    expect(lost).toBeLessThan(before.length);

    if (how === 'kill') {
      // The old master comes back as a replica of the new one, so the next test has a replica again.
      const server = setup.servers.find((s) => s.port === oldMaster)!;
      await server.resume();
      await setup.inSync();
    }
  });
});
