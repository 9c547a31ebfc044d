import type { Redis } from 'ioredis';
import { TaskRevokedError } from '../../lib';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, queueKey, readMarks, readResult, waitFor } from './harness';
import { storedCount } from '../support/stored-messages';

/** Revoke on the inline pool, with in-process workers on real Redis (the process pool has its own suite). */
describe('revoke', () => {
  const harness = new Harness();
  let redis: Redis;

  beforeAll(() => {
    redis = harness.redis(testRedisUrl());
  });
  afterAll(() => harness.closeAll());

  const revokedError = (get: Promise<unknown>) => expect(get).rejects.toBeInstanceOf(TaskRevokedError);
  /** Nothing of these ids is left in the queue: not ready, delayed, leased or stored. */
  const queueIsEmpty = async (prefix: string, queue: string) => {
    const [ready, delayed, active, messages] = await Promise.all([
      redis.llen(queueKey(prefix, queue, 'ready')),
      redis.zcard(queueKey(prefix, queue, 'delayed')),
      redis.zcard(queueKey(prefix, queue, 'active')),
      storedCount(redis, prefix, queue),
    ]);
    return ready + delayed + active + messages === 0;
  };

  it('a queued task revoked before it starts never runs, and is REVOKED at once', async () => {
    const prefix = uniquePrefix('rel-revoke');
    const { client } = await harness.worker({ broker: testRedisUrl(), prefix }, { concurrency: 1 });
    const blocker = await client.delay(ReliabilityTasks, 'slow', 'blocker', 800);
    await waitFor(async () => (await readMarks(redis, prefix, 'blocker')).length > 0, 'the blocker to start');
    const victim = await client.delay(ReliabilityTasks, 'whereAmI', 'victim');
    await victim.revoke();
    expect(await victim.state()).toBe('REVOKED');
    await revokedError(victim.get({ timeout: 1000 }));
    await blocker.get({ timeout: 10_000 });
    // The probe queued after the victim ran: the victim had its turn and was skipped.
    const probe = await client.delay(ReliabilityTasks, 'whereAmI', 'probe');
    await probe.get({ timeout: 10_000 });
    await waitFor(() => queueIsEmpty(prefix, 'default'), 'the revoked message to be acknowledged');
    expect(await readMarks(redis, prefix, 'victim')).toHaveLength(0);
    expect(await readResult(redis, prefix, victim.id)).toMatchObject({ state: 'REVOKED', reason: 'revoked' });
  });

  it('a task in the delayed set revoked before its eta never runs, on every running worker', async () => {
    const prefix = uniquePrefix('rel-revoke-delayed');
    const options = { broker: testRedisUrl(), prefix };
    const workers = await Promise.all([harness.worker(options, { concurrency: 2 }), harness.worker(options, { concurrency: 2 })]);
    const { client } = workers[0];
    const delayed = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) => client.applyAsync(ReliabilityTasks, 'whereAmI', [`delayed-${i}`], { countdown: 1200 })),
    );
    expect(await redis.zcard(queueKey(prefix, 'default', 'delayed'))).toBe(6);
    await client.revoke(delayed.map((r) => r.id));
    const states = await Promise.all(delayed.map((r) => r.state()));
    expect(states).toEqual(Array(6).fill('REVOKED'));
    await waitFor(() => queueIsEmpty(prefix, 'default'), 'the revoked messages to leave the queue', 10_000);
    const probe = await client.delay(ReliabilityTasks, 'whereAmI', 'probe');
    await probe.get({ timeout: 10_000 });
    for (let i = 0; i < 6; i++) expect(await readMarks(redis, prefix, `delayed-${i}`)).toHaveLength(0);
    // Both workers held some of them once due, and skipped each.
    const revoked = workers.map((w) => w.worker.getStats().revoked);
    expect(revoked[0] + revoked[1]).toBe(6);
  });

  it('a worker that starts after the revoke also skips the task', async () => {
    const prefix = uniquePrefix('rel-revoke-later');
    const options = { broker: testRedisUrl(), prefix };
    const producer = await harness.app(options);
    const queued = await Promise.all([0, 1, 2].map((i) => producer.client.delay(ReliabilityTasks, 'whereAmI', `later-${i}`)));
    await producer.client.revoke(queued.map((r) => r.id));
    const late = await harness.worker(options, { concurrency: 4 });
    const probe = await producer.client.delay(ReliabilityTasks, 'whereAmI', 'probe');
    await probe.get({ timeout: 10_000 });
    await waitFor(() => queueIsEmpty(prefix, 'default'), 'the revoked messages to leave the queue');
    for (let i = 0; i < 3; i++) expect(await readMarks(redis, prefix, `later-${i}`)).toHaveLength(0);
    expect(late.worker.getStats().revoked).toBe(3);
    for (const r of queued) await revokedError(r.get({ timeout: 1000 }));
  });

  it('a task revoked while it waits in a worker (prefetched, or between retries) never runs', async () => {
    const prefix = uniquePrefix('rel-revoke-held');
    const { client, worker } = await harness.worker({ broker: testRedisUrl(), prefix }, { concurrency: 1, prefetch: 3 });
    const blocker = await client.delay(ReliabilityTasks, 'slow', 'held-blocker', 1000);
    await waitFor(async () => (await readMarks(redis, prefix, 'held-blocker')).length > 0, 'the blocker to start');
    const held = await client.delay(ReliabilityTasks, 'whereAmI', 'held');
    // The worker holds it (RECEIVED) until its one slot frees.
    await waitFor(async () => (await held.state()) === 'RECEIVED', 'the worker to hold the task');
    expect(worker.snapshot().reserved.map((r) => r.id)).toEqual([held.id]);
    await held.revoke();
    // Waiting for its retry, in the delayed set.
    const retrying = await client.delay(ReliabilityTasks, 'slowRetry', 'held-retry');
    await waitFor(async () => (await retrying.state()) === 'RETRY', 'the retry to be scheduled', 10_000);
    await retrying.revoke();
    await blocker.get({ timeout: 10_000 });
    await revokedError(held.get({ timeout: 5000 }));
    await revokedError(retrying.get({ timeout: 5000 }));
    await waitFor(() => queueIsEmpty(prefix, 'default'), 'the revoked messages to be acknowledged', 10_000);
    expect(await readMarks(redis, prefix, 'held')).toHaveLength(0);
    expect(await readMarks(redis, prefix, 'held-retry')).toHaveLength(1);
    expect(await held.state()).toBe('REVOKED');
    expect(await retrying.state()).toBe('REVOKED');
  });

  it('revoking a finished task changes nothing', async () => {
    const prefix = uniquePrefix('rel-revoke-done');
    const { client } = await harness.worker({ broker: testRedisUrl(), prefix }, { concurrency: 1 });
    const done = await client.delay(ReliabilityTasks, 'whereAmI', 'done');
    await done.get({ timeout: 10_000 });
    await done.revoke();
    expect(await done.state()).toBe('SUCCESS');
    await expect(done.get({ timeout: 1000 })).resolves.toMatchObject({ deliveries: 1 });
  });

  it('a task that ends while revoke runs keeps its result: REVOKED never overwrites SUCCESS', async () => {
    const prefix = uniquePrefix('rel-revoke-race');
    const { app, client } = await harness.app({ broker: testRedisUrl(), prefix });
    const task = await client.delay(ReliabilityTasks, 'whereAmI', 'race');
    const broker = harness.broker(app);
    // A worker stores the task's SUCCESS at the worst moment for revoke: right after revoke
    // read the result, or right before revoke's one atomic step.
    const success = { id: task.id, state: 'SUCCESS', task: 'ReliabilityTasks.whereAmI', queue: 'default', result: { pid: 1, deliveries: 1 } } as const;
    const finish = () => broker.storeResults([{ record: success, ttl: 60_000 }]);
    let finished = false;
    const getResult = broker.getResult.bind(broker);
    broker.getResult = async (id: string) => {
      const read = await getResult(id);
      if (id === task.id && !finished) await finish().then(() => (finished = true));
      return read;
    };
    const markRevoked = broker.markRevoked.bind(broker);
    broker.markRevoked = async (ids: string[], ttl: number) => {
      if (!finished) await finish().then(() => (finished = true));
      return markRevoked(ids, ttl);
    };
    await task.revoke();
    expect(finished).toBe(true);
    expect(await readResult(redis, prefix, task.id)).toEqual(success);
    await expect(task.get({ timeout: 1000 })).resolves.toEqual(success.result);
  });

  it('revoke({ terminate: true }) aborts a running task with TaskTerminatedError; it ends REVOKED and frees its slot', async () => {
    const prefix = uniquePrefix('rel-terminate');
    const { client, worker } = await harness.worker({ broker: testRedisUrl(), prefix }, { concurrency: 1 });
    const running = await client.delay(ReliabilityTasks, 'waitsForAbort', 'cooperative');
    await waitFor(async () => (await readMarks(redis, prefix, 'cooperative')).length > 0, 'the task to start');
    const started = Date.now();
    await running.revoke({ terminate: true });
    await revokedError(running.get({ timeout: 5000 }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await running.info()).toMatchObject({ state: 'REVOKED' });
    await waitFor(async () => (await readMarks(redis, prefix, 'cooperative')).length === 2, 'the abort to be seen');
    const [, aborted] = await readMarks(redis, prefix, 'cooperative');
    expect(aborted).toMatchObject({ event: 'aborted', detail: { reason: 'TaskTerminatedError' } });

    // A task that ignores its signal: the inline pool stops waiting for it and the slot is free.
    const stubborn = await client.delay(ReliabilityTasks, 'ignoresAbort', 'stubborn');
    await waitFor(async () => (await readMarks(redis, prefix, 'stubborn')).length > 0, 'the stubborn task to start');
    await stubborn.revoke({ terminate: true });
    await revokedError(stubborn.get({ timeout: 5000 }));
    const probe = await client.delay(ReliabilityTasks, 'whereAmI', 'after-terminate');
    await expect(probe.get({ timeout: 5000 })).resolves.toMatchObject({ deliveries: 1 });
    await waitFor(() => queueIsEmpty(prefix, 'default'), 'every message to be acknowledged');
    expect(worker.getStats()).toMatchObject({ active: 0, revoked: 2 });
  });
});
