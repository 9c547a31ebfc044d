import { Injectable } from '@nestjs/common';
import {
  OnTaskEvent,
  TaskAdmin,
  TaskClient,
  TaskConfigError,
  TaskEventBus,
  TaskEventPublisher,
  TaskEventTail,
  TaskWorker,
  TASK_MONITORING_STORE,
  type StoredEvent,
  type TaskEvent,
} from '../../lib/internal';
import type { MonitoringStore } from '../../lib/broker/ports/monitoring-store';
import { decodeEventBatch, encodeEventBatch } from '../../lib/broker/ports/event-codec';
import { createBroker } from '../../lib/broker/create-broker';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { resolveMonitoringConfig } from '../../lib/config/monitoring-options';
import { EVENT_FLUSH_DELAY_MS } from '../../lib/monitoring/events/task-event-publisher';
import { OpsTasks } from './fixtures/ops.tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { OpsHarness, waitFor } from './support/ops-harness';

@Injectable()
class FailureWatcher {
  readonly failed: TaskEvent[] = [];
  readonly emails: TaskEvent[] = [];
  readonly workers: TaskEvent[] = [];

  @OnTaskEvent('failed')
  onFailed(event: TaskEvent): void {
    this.failed.push(event);
  }

  @OnTaskEvent(['succeeded', 'failed'], { task: 'OpsTasks.send*' })
  onEmail(event: TaskEvent): void {
    this.emails.push(event);
  }

  @OnTaskEvent(['worker-online', 'worker-offline'])
  onWorker(event: TaskEvent): void {
    this.workers.push(event);
  }

  @OnTaskEvent('*')
  async broken(): Promise<void> {
    throw new Error('a listener that always fails');
  }
}

const types = (events: StoredEvent[], id: string) => events.filter((e) => e.taskId === id).map((e) => e.type);

describe('events on the Redis stream', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('task and worker events reach the capped stream, from producers and workers alike', async () => {
    const prefix = uniquePrefix('ops-ev');
    const app = await harness.app({ broker: testRedisUrl(), prefix, events: true });
    const worker = app.get(TaskWorker);
    await worker.start({ queues: ['default', 'emails'], concurrency: 4 });
    const client = app.get(TaskClient);
    const ok = await client.delay(OpsTasks, 'add', 1, 2);
    const bad = await client.delay(OpsTasks, 'explode', 'boom');
    await ok.get({ timeout: 10_000 });
    await expect(bad.get({ timeout: 10_000 })).rejects.toThrow('boom');
    await app.get(TaskEventPublisher).flush();

    // Another process, with events off, reads them back.
    const reader = await harness.app({ broker: testRedisUrl(), prefix }, []);
    const admin = reader.get(TaskAdmin);
    const recent = await waitFor('the events', async () => {
      const events = await admin.recentEvents(100);
      return types(events, bad.id).includes('failed') ? events : null;
    });
    expect(types(recent, ok.id).reverse()).toEqual(['sent', 'received', 'started', 'succeeded']);
    expect(types(recent, bad.id).reverse()).toEqual(['sent', 'received', 'started', 'failed']);
    const failed = recent.find((e) => e.taskId === bad.id && e.type === 'failed')!;
    expect(failed).toMatchObject({ task: 'OpsTasks.explode', queue: 'default', worker: worker.id, error: { name: 'NonRetryableError', message: 'boom' } });
    expect(recent.find((e) => e.taskId === ok.id && e.type === 'succeeded')?.runtime).toBeGreaterThanOrEqual(0);
    expect(recent.some((e) => e.type === 'worker-online' && e.worker === worker.id)).toBe(true);
    await waitFor('a heartbeat event', async () => (await admin.recentEvents(200)).some((e) => e.type === 'worker-heartbeat' && e.worker === worker.id));

    // The timeline of one task, oldest first.
    const timeline = await admin.task(bad.id);
    expect(timeline?.timeline.map((e) => e.type)).toEqual(['sent', 'received', 'started', 'failed']);

    await worker.stop();
    await app.get(TaskEventPublisher).flush();
    expect((await admin.recentEvents(20)).some((e) => e.type === 'worker-offline' && e.worker === worker.id)).toBe(true);
    expect(app.get(TaskEventPublisher).droppedCount).toBe(0);
  });

  it("a task's timeline is in event time, even when a worker wrote 'received' before the producer wrote 'sent'", async () => {
    const prefix = uniquePrefix('ops-order');
    const app = await harness.app({ broker: testRedisUrl(), prefix, events: true }, []);
    const bus = app.get(TaskEventBus);
    const base = { taskId: 'ordered-1', task: 'OpsTasks.add', queue: 'default' };
    const t = Date.now();
    bus.emit({ ...base, type: 'received', at: t + 2, worker: 'w1' });
    // Stamped after the publish returned, when the worker had already received it.
    bus.emit({ ...base, type: 'sent', at: t + 4 });
    bus.emit({ ...base, type: 'started', at: t + 3, worker: 'w1' });
    bus.emit({ ...base, type: 'succeeded', at: t + 9, worker: 'w1', runtime: 6 });
    bus.emit({ type: 'sent', at: t + 1, taskId: 'other', task: 'OpsTasks.add', queue: 'default' });
    await app.get(TaskEventPublisher).flush();
    const detail = await app.get(TaskAdmin).task('ordered-1');
    expect(detail?.timeline.map((e) => e.type)).toEqual(['sent', 'received', 'started', 'succeeded']);
    expect(detail).toMatchObject({ state: 'SUCCESS', runtime: 6, worker: 'w1' });
  });

  it('the stream is capped (MAXLEN ~) and events: false publishes nothing', async () => {
    const prefix = uniquePrefix('ops-cap');
    const app = await harness.app({ broker: testRedisUrl(), prefix, events: { maxLen: 100 } }, [OpsTasks]);
    const client = app.get(TaskClient);
    await client.delayMany(OpsTasks, 'add', Array.from({ length: 3000 }, (_, i) => [i, i] as [number, number]));
    await app.get(TaskEventPublisher).flush();
    const redis = harness.redis(testRedisUrl());
    // Entries hold a flush's events by up to 64 (a JSON array under `c`); the trim keeps about
    // 100 events, as whole entries (and, MAXLEN ~, whole radix-tree nodes).
    const entries = (await redis.xrange(`${prefix}:events`, '-', '+')) as Array<[string, string[]]>;
    expect(entries.every(([, fields]) => fields[0] === 'c')).toBe(true);
    const kept = entries.reduce((sum, [, fields]) => sum + (JSON.parse(fields[1]) as unknown[]).length, 0);
    expect(kept).toBeGreaterThanOrEqual(100);
    expect(kept).toBeLessThan(400);
    expect(entries.length).toBeLessThan(kept);
    expect(await app.get(TaskAdmin).recentEvents(1000)).toHaveLength(kept);

    const quiet = uniquePrefix('ops-quiet');
    const off = await harness.app({ broker: testRedisUrl(), prefix: quiet }, [OpsTasks]);
    await off.get(TaskWorker).start({ concurrency: 2 });
    await (await off.get(TaskClient).delay(OpsTasks, 'add', 1, 1)).get({ timeout: 10_000 });
    await off.get(TaskEventPublisher).flush();
    expect(off.get(TaskEventPublisher).enabled).toBe(false);
    expect(await redis.exists(`${quiet}:events`)).toBe(0);
  });

  it('a flush is packed by 64 events per entry; an id inside an entry resumes after it; a 0.2 entry (one event under `e`) is read too', async () => {
    const prefix = uniquePrefix('ops-packed');
    const app = await harness.app({ broker: testRedisUrl(), prefix, events: true }, [OpsTasks]);
    const redis = harness.redis(testRedisUrl());
    const key = `${prefix}:events`;
    await redis.xadd(key, '*', 'e', JSON.stringify({ type: 'sent', at: Date.now(), taskId: 'from-0.2', task: 'OpsTasks.add', queue: 'default' }));
    const sent = await app.get(TaskClient).delayMany(OpsTasks, 'add', Array.from({ length: 150 }, (_, i) => [i, i] as [number, number]));
    await app.get(TaskEventPublisher).flush();

    const entries = (await redis.xrange(key, '-', '+')) as Array<[string, string[]]>;
    expect(entries.map(([, fields]) => (fields[0] === 'c' ? (JSON.parse(fields[1]) as unknown[]).length : fields[0]))).toEqual(['e', 64, 64, 22]);
    const recent = await app.get(TaskAdmin).recentEvents(1000);
    expect(recent).toHaveLength(151);
    expect(recent[0]).toMatchObject({ type: 'sent', taskId: sent[149].id, id: `${entries[3][0]}.21` });
    expect(recent[150]).toMatchObject({ type: 'sent', taskId: 'from-0.2', id: entries[0][0] });
    expect((await app.get(TaskAdmin).recentEvents(2)).map((e) => e.id)).toEqual([`${entries[3][0]}.21`, `${entries[3][0]}.20`]);

    const store = app.get<MonitoringStore>(TASK_MONITORING_STORE).events;
    const rest = await store.readAfter(`${entries[1][0]}.61`, 10, 0);
    expect(rest.map((e) => e.taskId)).toEqual([sent[62].id, sent[63].id]);
    const following = await store.readAfter(rest[1].id, 100, 0);
    expect(following.map((e) => e.taskId)).toEqual(sent.slice(64).map((r) => r.id));
    expect(await store.readAfter(following.at(-1)!.id, 10, 0)).toEqual([]);
    // `count` counts events: a read cut inside an entry resumes there.
    const cut = await store.readAfter(entries[0][0], 70, 0);
    expect(cut.map((e) => e.taskId)).toEqual(sent.slice(0, 70).map((r) => r.id));
    expect(cut.at(-1)!.id).toBe(`${entries[2][0]}.5`);
    expect((await store.readAfter(cut.at(-1)!.id, 3, 0)).map((e) => e.taskId)).toEqual(sent.slice(70, 73).map((r) => r.id));
    expect((await store.forTask(sent[100].id)).map((e) => [e.type, e.id])).toEqual([['sent', `${entries[2][0]}.36`]]);
    expect((await store.forTask('from-0.2')).map((e) => e.type)).toEqual(['sent']);
  });

  it("a stored entry keeps one short array per task attempt (its events share task, queue, worker and retries), and reads back every event as emitted", () => {
    const at = 1_796_000_000_000;
    const base = { taskId: 't1', task: 'OpsTasks.add', queue: 'default', worker: 'w1' };
    const emitted: TaskEvent[] = [
      { type: 'worker-heartbeat', at, worker: 'w1' },
      { type: 'received', at: at + 1, ...base, retries: 0, args: [1, 2] },
      { type: 'received', at: at + 1, taskId: 't2', task: 'OpsTasks.add', queue: 'default', worker: 'w1', retries: 0, args: ['x'.repeat(3000)] },
      { type: 'started', at: at + 2, ...base, retries: 0 },
      { type: 'retried', at: at + 3, ...base, retries: 0, eta: at + 1000, error: { name: 'Error', message: 'again' } },
      { type: 'sent', at: at + 3, taskId: 't3', task: 'OpsTasks.add', queue: 'default', args: [], reason: 'requeued by an operator' },
      { type: 'started', at: at + 4, ...base, retries: 1, batch: 'b1' },
      { type: 'succeeded', at: at + 5, ...base, retries: 1, runtime: 1 },
    ];
    const json = encodeEventBatch(emitted);
    const records = JSON.parse(json) as unknown[];
    // The heartbeat as it is; t1's first attempt (3 events); t2; t3; t1's second attempt (2 events).
    expect(records.map((r) => (Array.isArray(r) ? [r[0], r.slice(6).map((p) => (p as unknown[])[0])] : (r as TaskEvent).type))).toEqual([
      'worker-heartbeat',
      ['t1', ['received', 'started', 'retried']],
      ['t2', ['received']],
      ['t3', ['sent']],
      ['t1', ['started', 'succeeded']],
    ]);
    // No field name is written per task event; a run's task, queue and worker are 0 when the run before has them, its time counts from that run's.
    expect(json).not.toContain('"taskId"');
    expect((records as unknown[][]).filter(Array.isArray).map((r) => r.slice(0, 6))).toEqual([
      ['t1', 'OpsTasks.add', 'default', 'w1', 0, at + 1],
      ['t2', 0, 0, 0, 0, 0],
      ['t3', 0, 0, null, null, 2],
      ['t1', 0, 0, 'w1', 1, 1],
    ]);
    const read = decodeEventBatch('5-0', json);
    const long = emitted[2].args![0] as string;
    expect(read).toEqual(
      emitted.map((event, i) => ({ ...event, ...(i === 2 ? { args: `${JSON.stringify([long]).slice(0, 2048)}… (${JSON.stringify([long]).length} chars)` } : {}), id: `5-0.${i}` })),
    );
  });

  it('an entry of whole runs (field `b`, written by earlier versions) reads back, through the store too', async () => {
    const at = 1_796_000_000_000;
    const json = JSON.stringify([
      ['t1', 'OpsTasks.add', 'default', 'w1', 0, at, ['received', 0, [1]], ['succeeded', 2, null, 1]],
      ['t2', 'OpsTasks.add', 'default', 'w1', 0, at + 1, ['received', 0]],
    ]);
    const expected = [
      { type: 'received', at, taskId: 't1', task: 'OpsTasks.add', queue: 'default', worker: 'w1', retries: 0, args: [1] },
      { type: 'received', at: at + 1, taskId: 't2', task: 'OpsTasks.add', queue: 'default', worker: 'w1', retries: 0 },
      { type: 'succeeded', at: at + 2, taskId: 't1', task: 'OpsTasks.add', queue: 'default', worker: 'w1', retries: 0, runtime: 1 },
    ];
    expect(decodeEventBatch('6-0', json, false)).toEqual(expected.map((event, i) => ({ ...event, id: `6-0.${i}` })));

    const prefix = uniquePrefix('ops-whole-runs');
    const app = await harness.app({ broker: testRedisUrl(), prefix, events: true }, [OpsTasks]);
    const redis = harness.redis(testRedisUrl());
    const id = await redis.xadd(`${prefix}:events`, '*', 'b', json);
    const store = app.get<MonitoringStore>(TASK_MONITORING_STORE).events;
    expect(await store.recent(10)).toEqual(expected.map((event, i) => ({ ...event, id: `${id}.${i}` })).reverse());
    expect((await store.forTask('t1')).map((e) => e.type)).toEqual(['received', 'succeeded']);
  });

  it('an entry written in the object form of 0.3 development (`{ taskId, ..., seq }`) reads back too', () => {
    const json = JSON.stringify([
      { type: 'worker-online', at: 10, worker: 'w1' },
      { taskId: 't1', task: 'OpsTasks.add', queue: 'default', worker: 'w1', retries: 0, seq: [{ type: 'received', at: 11, args: [1] }, { type: 'succeeded', at: 12, runtime: 1 }] },
    ]);
    expect(decodeEventBatch('7-0', json, false)).toEqual([
      { type: 'worker-online', at: 10, worker: 'w1', id: '7-0.0' },
      { type: 'received', at: 11, taskId: 't1', task: 'OpsTasks.add', queue: 'default', worker: 'w1', retries: 0, args: [1], id: '7-0.1' },
      { type: 'succeeded', at: 12, taskId: 't1', task: 'OpsTasks.add', queue: 'default', worker: 'w1', retries: 0, runtime: 1, id: '7-0.2' },
    ]);
  });

  it('events wait up to EVENT_FLUSH_DELAY_MS to travel in one write, and 1,000 pending travel at once', async () => {
    // Only setTimeout is faked (the flush delay); the memory store answers on promises.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'Date', 'hrtime', 'performance'] });
    try {
      const broker = createBroker(resolveTaskConfig({ broker: 'memory://' }));
      await broker.connect();
      const store = broker.openMonitoringStore({ eventsMaxLen: 10_000 });
      const appended: number[] = [];
      const append = store.events.append.bind(store.events);
      store.events.append = (events) => {
        appended.push(events.length);
        return append(events);
      };
      const bus = new TaskEventBus();
      const publisher = new TaskEventPublisher(resolveMonitoringConfig({ events: true }), store, bus);
      const sent = (i: number): TaskEvent => ({ type: 'sent', at: 1_796_000_000_000 + i, taskId: `t${i}`, task: 'OpsTasks.add', queue: 'default', args: [i] });
      // Ten events, each in a tick of its own: none is written before the delay is over.
      for (let i = 0; i < 10; i++) {
        bus.emit(sent(i));
        await new Promise((resolve) => setImmediate(resolve));
      }
      jest.advanceTimersByTime(EVENT_FLUSH_DELAY_MS - 1);
      expect(appended).toEqual([]);
      jest.advanceTimersByTime(1);
      await publisher.flush();
      expect(appended).toEqual([10]);
      // A thousand pending go at once, without waiting for the delay.
      for (let i = 10; i < 1010; i++) bus.emit(sent(i));
      expect(appended).toEqual([10, 1000]);
      await publisher.flush();
      expect((await store.events.recent(2000)).map((e) => e.taskId)).toEqual(Array.from({ length: 1010 }, (_, i) => `t${1009 - i}`));
      await publisher.beforeApplicationShutdown();
      await store.close();
      await broker.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('TaskEventTail follows the stream from now on, across processes', async () => {
    const prefix = uniquePrefix('ops-tail');
    const reader = await harness.app({ broker: testRedisUrl(), prefix }, []);
    const seen: StoredEvent[] = [];
    const stop = await reader.get(TaskEventTail).subscribe((events) => seen.push(...events));
    const producer = await harness.app({ broker: testRedisUrl(), prefix, events: true }, [OpsTasks]);
    const sent = await producer.get(TaskClient).delay(OpsTasks, 'add', 5, 5);
    await waitFor('the sent event in the tail', () => seen.some((e) => e.taskId === sent.id && e.type === 'sent'));
    expect(seen.every((e) => typeof e.id === 'string' && e.id.includes('-'))).toBe(true);
    stop();
  });

  it('option mistakes are refused when the module starts, naming the option', async () => {
    await expect(harness.app({ broker: 'memory://', events: 'yes' as never })).rejects.toThrow(TaskConfigError);
    await expect(harness.app({ broker: 'memory://', events: { maxLen: 3 } })).rejects.toThrow(/events\.maxLen/);
    await expect(harness.app({ broker: 'memory://', heartbeatInterval: 5 })).rejects.toThrow(/heartbeatInterval/);
  });
});

describe('@OnTaskEvent', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it.each([['redis', () => testRedisUrl()], ['memory', () => 'memory://']])('calls provider methods with the events of this process (%s)', async (_kind, broker) => {
    const app = await harness.app({ broker: broker(), prefix: uniquePrefix('ops-on') }, [OpsTasks, FailureWatcher]);
    const watcher = app.get(FailureWatcher);
    const worker = app.get(TaskWorker);
    await worker.start({ queues: ['default', 'emails'], concurrency: 2 });
    const client = app.get(TaskClient);
    const bad = await client.delay(OpsTasks, 'explode', 'watch me');
    await expect(bad.get({ timeout: 10_000 })).rejects.toThrow('watch me');
    const mail = await client.delay(OpsTasks, 'sendEmail', 'x@y.z');
    // The always-failing '*' listener does not get in the way of the task.
    await expect(mail.get({ timeout: 10_000 })).resolves.toBe('sent to x@y.z');
    await waitFor('the failed event', () => watcher.failed.length === 1);
    expect(watcher.failed[0]).toMatchObject({ type: 'failed', taskId: bad.id, task: 'OpsTasks.explode', error: { message: 'watch me' } });
    await waitFor('the email event', () => watcher.emails.length === 1);
    expect(watcher.emails[0]).toMatchObject({ type: 'succeeded', taskId: mail.id });
    expect(watcher.workers.map((e) => e.type)).toEqual(['worker-online']);
    await worker.stop();
    expect(watcher.workers.map((e) => e.type)).toEqual(['worker-online', 'worker-offline']);
  });

  it('refuses unknown event types and bad filters where the decorator is written', () => {
    expect(() => {
      class Bad {
        @OnTaskEvent('exploded' as never)
        handle(): void {}
      }
      return Bad;
    }).toThrow(/@OnTaskEvent\(Bad\.handle\) type.*'\*' or one of sent, received/);
    expect(() => {
      class Empty {
        @OnTaskEvent([])
        handle(): void {}
      }
      return Empty;
    }).toThrow(TaskConfigError);
    expect(() => {
      class BadFilter {
        @OnTaskEvent('failed', { task: '' })
        handle(): void {}
      }
      return BadFilter;
    }).toThrow(/task/);
  });
});
