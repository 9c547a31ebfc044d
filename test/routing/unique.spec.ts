import type { INestApplicationContext } from '@nestjs/common';
import { TaskClient, TaskConfigError, TaskWorker } from '../../lib';
import { BillingTasks, OrderStore } from '../fixtures/routing-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { RoutingHarness, waitFor } from './routing-harness';

describe('unique tasks under concurrent producers (redis)', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  async function producers(prefix: string, count: number): Promise<INestApplicationContext[]> {
    return Promise.all(Array.from({ length: count }, () => h.taskApp({ broker: testRedisUrl(), prefix }, [BillingTasks, OrderStore])));
  }

  it('10 producers enqueueing the same charge at once make exactly one task, and all get its id', async () => {
    const prefix = uniquePrefix('unique');
    const apps = await producers(prefix, 10);
    // Each producer fires 5 times without waiting: 50 concurrent enqueues on 10 connections.
    const results = await Promise.all(
      apps.flatMap((app) => Array.from({ length: 5 }, () => app.get(TaskClient).delay(BillingTasks, 'chargeCustomer', 42))),
    );
    const ids = new Set(results.map((r) => r.id));
    expect(ids.size).toBe(1);
    expect(await h.broker(apps[0]).queueSizes('default')).toEqual({ ready: 1, delayed: 0, active: 0 });

    const workerApp = await h.taskApp({ broker: testRedisUrl(), prefix }, [BillingTasks, OrderStore]);
    await workerApp.get(TaskWorker).start({ concurrency: 4 });
    await expect(results[0].get({ timeout: 5000 })).resolves.toBe('ch_42_1');
    expect(workerApp.get(OrderStore).charges).toEqual([{ orderId: 42, chargeId: 'ch_42_1' }]);
    await waitFor(async () => (await h.broker(workerApp).queueSizes('default')).active === 0, 'the ack');

    // Finished: the next enqueue is a new task (the article's own guard then answers).
    const again = await apps[3].get(TaskClient).delay(BillingTasks, 'chargeCustomer', 42);
    expect(ids.has(again.id)).toBe(false);
    await expect(again.get({ timeout: 5000 })).resolves.toBe('Already charged');
  });

  it('different keys are different tasks; duplicates inside one delayMany collapse too', async () => {
    const prefix = uniquePrefix('unique');
    const [app] = await producers(prefix, 1);
    const client = app.get(TaskClient);
    const results = await client.delayMany(BillingTasks, 'chargeCustomer', [[1], [2], [1], [3], [2]]);
    expect(results[0].id).toBe(results[2].id);
    expect(results[1].id).toBe(results[4].id);
    expect(new Set(results.map((r) => r.id)).size).toBe(3);
    expect((await h.broker(app).queueSizes('default')).ready).toBe(3);
  });

  it('while the task runs, enqueueing again returns the running task', async () => {
    const prefix = uniquePrefix('unique');
    const [app] = await producers(prefix, 1);
    app.get(OrderStore).chargeMs = 600;
    const client = app.get(TaskClient);
    await app.get(TaskWorker).start();
    const first = await client.delay(BillingTasks, 'chargeCustomer', 7);
    await waitFor(async () => (await first.state()) === 'STARTED', 'the charge to start');
    const during = await client.delay(BillingTasks, 'chargeCustomer', 7);
    expect(during.id).toBe(first.id);
    await expect(first.get({ timeout: 5000 })).resolves.toBe('ch_7_1');
    expect(app.get(OrderStore).charges).toHaveLength(1);
  });

  it('the lock is held across a retry, and released when the task ends', async () => {
    const prefix = uniquePrefix('unique');
    const [app] = await producers(prefix, 1);
    const client = app.get(TaskClient);
    await app.get(TaskWorker).start();
    const first = await client.delay(BillingTasks, 'refund', 9);
    await waitFor(async () => (await first.state()) === 'RETRY', 'the first attempt to fail');
    const duringRetry = await client.delay(BillingTasks, 'refund', 9);
    expect(duringRetry.id).toBe(first.id);
    await expect(first.get({ timeout: 5000 })).resolves.toBe('refunded 9');
    await waitFor(async () => (await h.broker(app).queueSizes('default')).active === 0, 'the ack');
    const after = await client.delay(BillingTasks, 'refund', 9);
    expect(after.id).not.toBe(first.id);
  });

  it('applyAsync({ uniqueKey, uniqueTtl }) makes any task unique per call; the lock ends with its ttl', async () => {
    const prefix = uniquePrefix('unique');
    const [app] = await producers(prefix, 1);
    const client = app.get(TaskClient);
    const a = await client.applyAsync(BillingTasks, 'sync', ['acme'], { uniqueKey: 'sync-acme', uniqueTtl: 400 });
    const b = await client.applyAsync(BillingTasks, 'sync', ['acme'], { uniqueKey: 'sync-acme', uniqueTtl: 400 });
    const other = await client.applyAsync(BillingTasks, 'sync', ['acme'], { uniqueKey: 'sync-other' });
    const plain = await client.applyAsync(BillingTasks, 'sync', ['acme']);
    expect(b.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
    expect(plain.id).not.toBe(a.id);
    // Nobody runs it; the lock expires with its ttl (its key in Redis, layout of lib/broker/redis/redis-keys.ts), then a new one is enqueued.
    const redis = h.redis(testRedisUrl());
    const lock = `${prefix}:{default}:unique:BillingTasks.sync:sync-acme`;
    const ttl = await redis.pttl(lock);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);
    await waitFor(async () => (await redis.exists(lock)) === 0, 'the lock to expire', 5000);
    const late = await client.applyAsync(BillingTasks, 'sync', ['acme'], { uniqueKey: 'sync-acme', uniqueTtl: 400 });
    expect(late.id).not.toBe(a.id);
    expect((await h.broker(app).queueSizes('default')).ready).toBe(4);
    // A per-call key also overrides the decorator's.
    const c1 = await client.applyAsync(BillingTasks, 'chargeCustomer', [5], { uniqueKey: 'batch-1' });
    const c2 = await client.applyAsync(BillingTasks, 'chargeCustomer', [6], { uniqueKey: 'batch-1' });
    expect(c2.id).toBe(c1.id);
  });

  it('a revoked unique task frees its key once a worker has dropped it', async () => {
    const prefix = uniquePrefix('unique');
    const [app] = await producers(prefix, 1);
    const client = app.get(TaskClient);
    const first = await client.delay(BillingTasks, 'chargeCustomer', 11);
    await first.revoke();
    await app.get(TaskWorker).start();
    await waitFor(async () => (await h.broker(app).queueSizes('default')).ready + (await h.broker(app).queueSizes('default')).active === 0, 'the revoked task to be dropped');
    const next = await client.delay(BillingTasks, 'chargeCustomer', 11);
    expect(next.id).not.toBe(first.id);
    await expect(next.get({ timeout: 5000 })).resolves.toBe('ch_11_1');
  });

  it('a revoked unique task no longer holds its key, even before a worker has dropped it', async () => {
    const prefix = uniquePrefix('unique');
    const [app] = await producers(prefix, 1);
    const client = app.get(TaskClient);
    const first = await client.delay(BillingTasks, 'chargeCustomer', 12);
    await first.revoke();
    const next = await client.delay(BillingTasks, 'chargeCustomer', 12);
    expect(next.id).not.toBe(first.id);
    expect(await next.state()).toBe('PENDING');
    // The new one now holds the key.
    expect((await client.delay(BillingTasks, 'chargeCustomer', 12)).id).toBe(next.id);
    await app.get(TaskWorker).start();
    await expect(next.get({ timeout: 5000 })).resolves.toBe('ch_12_1');
    await expect(first.state()).resolves.toBe('REVOKED');
    expect(app.get(OrderStore).charges).toHaveLength(1);
  });

  it('bad unique input is refused before anything is enqueued', async () => {
    const prefix = uniquePrefix('unique');
    const [app] = await producers(prefix, 1);
    const client = app.get(TaskClient);
    await expect(client.delay(BillingTasks, 'brokenKey')).rejects.toThrow(TaskConfigError);
    await expect(client.delay(BillingTasks, 'brokenKey')).rejects.toThrow(/@Task\(BillingTasks\.brokenKey\)\.unique\.key.*no key for you/);
    await expect(client.applyAsync(BillingTasks, 'sync', ['x'], { uniqueKey: '' })).rejects.toThrow(/'uniqueKey'/);
    await expect(client.applyAsync(BillingTasks, 'sync', ['x'], { uniqueKey: 'k', uniqueTtl: 0 })).rejects.toThrow(/'uniqueTtl'.*0/);
    expect(await h.broker(app).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });
});

describe('unique tasks on memory://', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  it('collapses concurrent enqueues and frees the key when the task ends', async () => {
    const app = await h.taskApp({ broker: 'memory://' }, [BillingTasks, OrderStore]);
    const client = app.get(TaskClient);
    const results = await Promise.all(Array.from({ length: 20 }, () => client.delay(BillingTasks, 'chargeCustomer', 3)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    await app.get(TaskWorker).start();
    await expect(results[0].get({ timeout: 5000 })).resolves.toBe('ch_3_1');
    await waitFor(async () => (await h.broker(app).queueSizes('default')).active === 0, 'the ack');
    const again = await client.delay(BillingTasks, 'chargeCustomer', 3);
    expect(again.id).not.toBe(results[0].id);
    await expect(again.get({ timeout: 5000 })).resolves.toBe('Already charged');
    expect(app.get(OrderStore).charges).toHaveLength(1);
  });

  it('a revoked holder gives its key up at once', async () => {
    const app = await h.taskApp({ broker: 'memory://' }, [BillingTasks, OrderStore]);
    const client = app.get(TaskClient);
    const first = await client.delay(BillingTasks, 'chargeCustomer', 4);
    await first.revoke();
    const next = await client.delay(BillingTasks, 'chargeCustomer', 4);
    expect(next.id).not.toBe(first.id);
    expect((await client.delay(BillingTasks, 'chargeCustomer', 4)).id).toBe(next.id);
  });
});
