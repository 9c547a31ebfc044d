import type { INestApplicationContext } from '@nestjs/common';
import {
  DeadLetterNotFoundError,
  TASK_BROKER,
  TaskAdmin,
  TaskClient,
  TaskConfigError,
  TaskEventPublisher,
  TaskNotRetryableError,
  TaskWorker,
  type Broker,
  type TaskMessage,
} from '../../lib/internal';
import { OpsTasks } from './fixtures/ops.tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { OpsHarness, waitFor } from './support/ops-harness';

function message(id: string, queue: string, task: string, args: unknown[]): string {
  const m: TaskMessage = { v: 1, id, task, args, queue, sentAt: Date.now(), retries: 0 };
  return JSON.stringify(m);
}

describe.each([
  ['redis', () => testRedisUrl()],
  ['memory', () => 'memory://'],
])('TaskAdmin on %s', (kind, broker) => {
  const harness = new OpsHarness();
  let app: INestApplicationContext;
  let admin: TaskAdmin;
  let client: TaskClient;
  let raw: Broker;
  let worker: TaskWorker;

  beforeAll(async () => {
    app = await harness.app({ broker: broker(), prefix: uniquePrefix(`ops-admin-${kind}`), events: true });
    admin = app.get(TaskAdmin);
    client = app.get(TaskClient);
    raw = app.get<Broker>(TASK_BROKER);
    worker = app.get(TaskWorker);
    await worker.start({ queues: ['default', 'dlq'], concurrency: 4 });
  });
  afterAll(() => harness.closeAll());

  it('purges a large queue in chunks, with progress, and leaves leased messages alone', async () => {
    const bulk = Array.from({ length: 5000 }, (_, i) => ({ id: `bulk-${i}`, queue: 'bulk', body: message(`bulk-${i}`, 'bulk', 'OpsTasks.add', [i, i]) }));
    await raw.publish(bulk);
    await raw.publish([{ id: 'later', queue: 'bulk', body: message('later', 'bulk', 'OpsTasks.add', [0, 0]), eta: Date.now() + 60_000 }]);
    const leased = await raw.reserve('bulk', 1, 60_000);
    expect(leased.messages).toHaveLength(1);
    const before = (await admin.queues()).find((q) => q.name === 'bulk')!;
    expect(before).toMatchObject({ ready: 4999, delayed: 1, active: 1, dead: 0 });
    const progress: Array<[number, number]> = [];
    const removed = await admin.purge('bulk', (done, remaining) => progress.push([done, remaining]));
    expect(removed).toBe(5000);
    expect(progress.at(-1)).toEqual([5000, 0]);
    if (kind === 'redis') expect(progress.length).toBeGreaterThanOrEqual(3);
    expect((await admin.queues()).find((q) => q.name === 'bulk')).toMatchObject({ ready: 0, delayed: 0, active: 1 });
    // Their tasks are REVOKED, so nobody waits for them; the leased one is left alone.
    expect(await client.result('bulk-4999').state()).toBe('REVOKED');
    expect(await client.result('later').state()).toBe('REVOKED');
    expect(await client.result(leased.messages[0].id).state()).toBe('PENDING');
    await expect(admin.purge('bad queue')).rejects.toThrow(TaskConfigError);
  });

  it('lists delayed messages soonest first (inspect scheduled)', async () => {
    const late = await client.applyAsync(OpsTasks, 'add', [1, 1], { countdown: 120_000, queue: 'parked' });
    const soon = await client.applyAsync(OpsTasks, 'add', [2, 2], { countdown: 60_000, queue: 'parked' });
    const scheduled = (await admin.scheduled({ queue: 'parked' })).map((m) => [m.id, m.message?.args]);
    expect(scheduled).toEqual([
      [soon.id, [2, 2]],
      [late.id, [1, 1]],
    ]);
    expect((await admin.scheduled()).some((m) => m.id === late.id)).toBe(true);
  });

  it('dead letters: undecodable ones are listed with the reason but not requeued; valid ones are requeued and run', async () => {
    await raw.publish([{ id: 'garbage-1', queue: 'dlq', body: 'this is not a message' }]);
    const garbage = await waitFor('the garbage to be dead-lettered', async () => (await admin.deadLetters('dlq')).find((d) => d.id === 'garbage-1'));
    expect(garbage.raw).toBe('this is not a message');
    expect(garbage.message).toBeNull();
    expect(garbage.reason).toMatch(/not JSON/);
    await expect(admin.requeueDeadLetter('dlq', 'garbage-1')).rejects.toThrow(TaskNotRetryableError);

    await raw.settle([{ kind: 'dead', queue: 'dlq', id: 'good-1', lease: '', raw: message('good-1', 'dlq', 'OpsTasks.add', [20, 22]), reason: 'lost too often' }], []);
    const good = (await admin.deadLetters('dlq')).find((d) => d.id === 'good-1')!;
    expect(good.message).toMatchObject({ task: 'OpsTasks.add', args: [20, 22] });
    await admin.requeueDeadLetter('dlq', 'good-1');
    await expect(client.result('good-1').get({ timeout: 10_000 })).resolves.toBe(42);
    expect((await admin.deadLetters('dlq')).some((d) => d.id === 'good-1')).toBe(false);
    await expect(admin.requeueDeadLetter('dlq', 'good-1')).rejects.toThrow(DeadLetterNotFoundError);

    await admin.deleteDeadLetter('dlq', 'garbage-1');
    expect(await admin.deadLetters('dlq')).toEqual([]);
    await expect(admin.deleteDeadLetter('dlq', 'garbage-1')).rejects.toThrow(/No dead letter "garbage-1" in queue 'dlq'/);
  });

  it('retries a failed task under a new id with the same arguments', async () => {
    const key = uniquePrefix('flaky');
    const first = await client.delay(OpsTasks, 'flakyOnce', key);
    await expect(first.get({ timeout: 10_000 })).rejects.toThrow(`first attempt for ${key} fails`);
    const detail = await waitFor('the kept message', async () => ((await admin.task(first.id))?.retryable ? admin.task(first.id) : null));
    expect(detail).toMatchObject({ state: 'FAILURE', task: 'OpsTasks.flakyOnce', args: [key], retryable: true, revocable: false });
    expect(detail.failure?.stack).toContain('first attempt');
    const againId = await admin.retry(first.id);
    expect(againId).not.toBe(first.id);
    await expect(client.result(againId).get({ timeout: 10_000 })).resolves.toBe(`ok ${key}`);
    await expect(admin.retry(first.id)).rejects.toThrow(TaskNotRetryableError);
    const ok = await client.delay(OpsTasks, 'add', 1, 1);
    await ok.get({ timeout: 10_000 });
    await expect(admin.retry(ok.id)).rejects.toThrow(/only failed or revoked tasks/);
  });

  it('lists tasks from the events and the results, filtered by name, state and id', async () => {
    const ok = await client.delay(OpsTasks, 'add', 3, 4);
    const bad = await client.delay(OpsTasks, 'explode', 'listed');
    await ok.get({ timeout: 10_000 });
    await expect(bad.get({ timeout: 10_000 })).rejects.toThrow();
    await app.get(TaskEventPublisher).flush();
    const all = await admin.tasks();
    expect(all.find((t) => t.id === ok.id)).toMatchObject({ task: 'OpsTasks.add', state: 'SUCCESS', queue: 'default', worker: worker.id });
    const failures = await admin.tasks({ state: 'FAILURE' });
    expect(failures.some((t) => t.id === bad.id)).toBe(true);
    expect(failures.every((t) => t.state === 'FAILURE')).toBe(true);
    expect((await admin.tasks({ name: 'EXPLODE' })).every((t) => t.task === 'OpsTasks.explode')).toBe(true);
    expect((await admin.tasks({ id: ok.id.slice(0, 8) })).map((t) => t.id)).toContain(ok.id);
    await expect(admin.tasks({ state: 'DONE' as never })).rejects.toThrow(/state/);
    const detail = await admin.task(ok.id);
    expect(detail).toMatchObject({ state: 'SUCCESS', result: 7, revocable: false, retryable: false });
    expect(detail!.timeline.map((e) => e.type)).toEqual(['sent', 'received', 'started', 'succeeded']);
    expect(await admin.task('no-such-task')).toBeNull();
  });

  it('shows a queued task with its arguments and revokes it', async () => {
    const parked = await client.applyAsync(OpsTasks, 'add', [8, 9], { countdown: 60_000 });
    await app.get(TaskEventPublisher).flush();
    const detail = await admin.task(parked.id);
    expect(detail).toMatchObject({ state: 'PENDING', args: [8, 9], revocable: true, message: { task: 'OpsTasks.add' } });
    await admin.revoke(parked.id);
    expect(await parked.state()).toBe('REVOKED');
  });
});
