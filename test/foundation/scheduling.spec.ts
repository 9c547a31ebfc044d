import { TaskClient, TaskRevokedError, TaskState, TaskWorker } from '../../lib';
import { FoundationTasks, probe } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, commandCalls, queueKey, waitFor } from './harness';

/** Lateness allowed after a countdown on a busy 2-core machine. */
const LATE_MARGIN_MS = 600;

describe('countdown, eta and expires', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function setup(url = testRedisUrl()) {
    const prefix = uniquePrefix();
    const worker = await h.taskApp({ broker: url, prefix });
    const producer = await h.taskApp({ broker: url, prefix }, []);
    return { prefix, worker, producer, client: producer.get(TaskClient), redis: h.redis(url) };
  }

  it('countdown: the task does not start before it and starts soon after, with no busy polling', async () => {
    const server = await h.server();
    const { prefix, worker, client, redis } = await setup(server.url);
    await worker.get(TaskWorker).start();
    // The worker has settled into its idle wait: its connection is blocked (BLPOP) on this suite's own server.
    await waitFor(async () => /^blocked_clients:1\r?$/m.test(await redis.info('clients')), 'the worker to block in its idle wait', 5000);

    await redis.config('RESETSTAT');
    const sentAt = Date.now();
    const result = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown: 800 });
    expect(await redis.zcard(queueKey(prefix, 'default', 'delayed'))).toBe(1);
    const startedAt = await result.get({ timeout: 5000 });
    const calls = await commandCalls(redis);

    expect(startedAt - sentAt).toBeGreaterThanOrEqual(800);
    expect(startedAt - sentAt).toBeLessThan(800 + LATE_MARGIN_MS);
    // The worker slept until the eta: a handful of fetches, not one every few ms.
    const scripts = (calls.evalsha ?? 0) + (calls.eval ?? 0);
    expect(scripts).toBeLessThanOrEqual(12);
    expect(calls.blpop ?? 0).toBeLessThanOrEqual(6);
  });

  it('countdown precision does not depend on how often Redis checks blocking timeouts (hz)', async () => {
    const server = await h.server();
    const { worker, client, redis } = await setup(server.url);
    // At hz 1 Redis ends a timed-out BLPOP up to 1 s late; the worker must not rely on it.
    await redis.config('SET', 'hz', '1');
    await worker.get(TaskWorker).start();
    for (const countdown of [300, 450]) {
      const sentAt = Date.now();
      const result = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown });
      const startedAt = await result.get({ timeout: 5000 });
      expect(startedAt - sentAt).toBeGreaterThanOrEqual(countdown);
      expect(startedAt - sentAt).toBeLessThan(countdown + 250);
    }
  });

  it('eta (a Date) delays the task to that time', async () => {
    const { worker, client } = await setup();
    await worker.get(TaskWorker).start();
    const eta = new Date(Date.now() + 500);
    const result = await client.applyAsync(FoundationTasks, 'stamp', [], { eta });
    const startedAt = await result.get({ timeout: 5000 });
    expect(startedAt).toBeGreaterThanOrEqual(eta.getTime());
    expect(startedAt).toBeLessThan(eta.getTime() + LATE_MARGIN_MS);
  });

  it('a later countdown enqueued first does not hold back an earlier one', async () => {
    const { worker, client } = await setup();
    await worker.get(TaskWorker).start();
    const sentAt = Date.now();
    const late = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown: 1500 });
    const early = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown: 300 });
    const earlyAt = await early.get({ timeout: 5000 });
    expect(earlyAt - sentAt).toBeGreaterThanOrEqual(300);
    expect(earlyAt - sentAt).toBeLessThan(300 + LATE_MARGIN_MS);
    await expect(late.state()).resolves.toBe(TaskState.PENDING);
    const lateAt = await late.get({ timeout: 5000 });
    expect(lateAt - sentAt).toBeGreaterThanOrEqual(1500);
  });

  it('a delayed task enqueued while no worker runs starts when a worker comes up after its eta', async () => {
    const { worker, client } = await setup();
    const result = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown: 100 });
    const dueBy = Date.now() + 100; // its eta is at most this
    await waitFor(() => Date.now() >= dueBy, 'its eta to pass', 5000, 5);
    await expect(result.state()).resolves.toBe(TaskState.PENDING);
    await worker.get(TaskWorker).start();
    await expect(result.get({ timeout: 5000 })).resolves.toEqual(expect.any(Number));
  });

  it('expires: a task not started in time is REVOKED, get() says why, and it never runs', async () => {
    const { worker, client } = await setup();
    probe.reset();
    await worker.get(TaskWorker).start();
    const result = await client.applyAsync(FoundationTasks, 'stamp', [], { countdown: 400, expires: 100 });
    const error = await result.get({ timeout: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskRevokedError);
    expect((error as TaskRevokedError).reason).toMatch(/expired at .* before it started/);
    await expect(result.state()).resolves.toBe(TaskState.REVOKED);
    expect(probe.runs.get(result.id)).toBeUndefined();
  });

  it('expires as a Date: a task stuck behind a busy worker past its expiry is REVOKED', async () => {
    const { worker, client } = await setup();
    probe.reset();
    await worker.get(TaskWorker).start({ concurrency: 1, shutdownGrace: 100 });
    const blocker = await client.delay(FoundationTasks, 'sleep', 600);
    const expiring = await client.applyAsync(FoundationTasks, 'stamp', [], { expires: new Date(Date.now() + 200) });
    const fine = await client.applyAsync(FoundationTasks, 'stamp', [], { expires: 60_000 });
    await expect(blocker.get({ timeout: 5000 })).resolves.toBe(600);
    await expect(expiring.get({ timeout: 5000 })).rejects.toBeInstanceOf(TaskRevokedError);
    await expect(fine.get({ timeout: 5000 })).resolves.toEqual(expect.any(Number));
    expect(probe.runs.has(expiring.id)).toBe(false);
    expect(probe.runs.get(fine.id)).toBe(1);
  });
});
